"""Operator reports imported in any grouping and order give the same warehouse: all at once, one
upload package per command, one report kind at a time, the parts of a split report together in
either order. A package of another cluster is refused and leaves stored data as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from common.errors import DataError
from common.windows import Window
from ecs_insight.cli import app
from ecs_insight.import_cli import import_operator_reports
from ecs_insight.settings import Settings
from estate import SyntheticEstate
from tests.collectors.conftest import EstateSlice
from tests.support.operator_reports import split_report, write_packages, write_reports
from warehouse.schema import DIMENSION_TABLES, FACT_TABLES

SPLIT_ROWS = 150  # not a multiple of any hour's rows: each cut falls inside an hour
COMPARED = ("pod_usage_hourly", "node_hourly", "pvc_hourly", "node", "namespace", "pod")


@dataclass(frozen=True)
class Payloads:
    """Two upload cycles of one cluster: each cycle's reports split, one package per part."""

    cluster: str
    files: list[list[Path]]  # per cycle, the (split) CSV files
    packages: list[list[Path]]  # per cycle, the operator's packages in the order it wrote them


@pytest.fixture(scope="module")
def payloads(tiny_estate: SyntheticEstate, tmp_path_factory: pytest.TempPathFactory) -> Payloads:
    root = tmp_path_factory.mktemp("operator")
    cluster = sorted(tiny_estate.dimensions()["cluster"]["cluster_id"])[0]
    start = tiny_estate.window.start + timedelta(hours=8)
    files, packages = [], []
    for cycle in range(2):
        hours = Window(start + timedelta(hours=3 * cycle), start + timedelta(hours=3 * cycle + 3))
        paths = write_reports(EstateSlice(tiny_estate, hours, (cluster,)), cluster, root / f"reports{cycle}")
        parts = [part for kind in ("pod", "storage", "node_labels", "namespace_labels")
                 for part in split_report(paths[kind], SPLIT_ROWS)]
        files.append(parts)
        packages.append(write_packages(parts, cluster, root / "upload", f"2026100{cycle + 1}T180000", split=True))
    return Payloads(cluster, files, packages)


def warehouse(tmp_path: Path, name: str) -> Settings:
    return Settings.model_validate({"warehouse": {"url": f"duckdb:///{tmp_path / name}.duckdb"},
                                    "sources": {"synthetic": None}})


def contents(settings: Settings) -> dict[str, pd.DataFrame]:
    """Every compared table's rows in a canonical order."""
    engine = sa.create_engine(settings.warehouse.engine_url())
    out = {}
    with engine.connect() as conn:
        for name in COMPARED:
            table = FACT_TABLES.get(name)
            table = DIMENSION_TABLES[name] if table is None else table
            frame = pd.read_sql(sa.select(table), conn)
            out[name] = frame.sort_values(list(frame.columns), ignore_index=True)
    engine.dispose()
    return out


def assert_same(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    for name in COMPARED:
        assert len(got[name]) == len(want[name]), name
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=False, rtol=1e-12, obj=name)


def test_split_packages_hold_hours_cut_in_two(payloads: Payloads) -> None:
    """The fixture is what the cases need: split pod and storage reports whose cuts fall inside an
    hour, one package per part."""
    pod_parts = [f for f in payloads.files[0] if "-pod" in f.name]
    assert len(pod_parts) >= 2
    assert [len(c) for c in payloads.packages] == [len(c) for c in payloads.files]
    last = pd.read_csv(pod_parts[0])["interval_start"].iloc[-1]
    assert last in set(pd.read_csv(pod_parts[1])["interval_start"])


def test_any_grouping_and_order_gives_the_same_warehouse(payloads: Payloads, tmp_path: Path) -> None:
    cluster = payloads.cluster
    everything = [p for cycle in payloads.packages for p in cycle]
    reference = warehouse(tmp_path, "all")
    import_operator_reports(reference, everything, cluster)
    want = contents(reference)
    assert len(want["pod_usage_hourly"]) > 0 and len(want["pvc_hourly"]) > 0
    pod_files = [f for cycle in payloads.files for f in cycle if "-pod" in f.name]
    truth = sum(len(pd.read_csv(f)) for f in pod_files)
    assert len(want["pod_usage_hourly"]) == truth  # the estate writes one line per pod and hour

    groupings = {
        "one package per command, as they arrive": [[p] for p in everything],
        "one package per command in reverse, twice": [[p] for p in reversed(everything)] * 2,
        "cycle by cycle, newest first": list(reversed(payloads.packages)),
        "kinds separately, labels last": [
            [f for cycle in payloads.files for f in cycle if f"-{kind}" in f.name]
            for kind in ("storage", "pod", "node_labels", "namespace_labels")],
        "kinds separately, labels first": [
            [f for cycle in payloads.files for f in cycle if f"-{kind}" in f.name]
            for kind in ("namespace_labels", "node_labels", "pod", "storage")],
        "split files together, parts reversed": [list(reversed(cycle)) for cycle in payloads.files],
        "everything again over everything": [everything, everything],
    }
    for n, (label, commands) in enumerate(groupings.items()):
        settings = warehouse(tmp_path, f"g{n}")
        for paths in commands:
            report = import_operator_reports(settings, paths, cluster)
            assert report.failures == [], label
        try:
            assert_same(contents(settings), want)
        except AssertionError as exc:
            raise AssertionError(f"{label}: {exc}") from None


def test_reimporting_one_kind_keeps_the_others(payloads: Payloads, tmp_path: Path) -> None:
    settings = warehouse(tmp_path, "w")
    everything = [p for cycle in payloads.packages for p in cycle]
    import_operator_reports(settings, everything, payloads.cluster)
    want = contents(settings)
    for kind in ("pod", "storage", "node_labels"):
        import_operator_reports(settings, [f for f in payloads.files[0] if f"-{kind}" in f.name], payloads.cluster)
        assert_same(contents(settings), want)


def test_a_package_of_another_cluster_is_refused_and_nothing_changes(payloads: Payloads, tmp_path: Path) -> None:
    settings = warehouse(tmp_path, "w")
    import_operator_reports(settings, payloads.packages[0], payloads.cluster)
    before = contents(settings)
    package = payloads.packages[1][0]
    with pytest.raises(DataError) as err:
        import_operator_reports(settings, [*payloads.packages[1], payloads.packages[0][0]], "ocp-other")
    text = str(err.value)
    assert f"file={package}:manifest.json" in text
    assert f"cluster_id is {payloads.cluster!r} but --cluster is 'ocp-other'" in text
    assert_same(contents(settings), before)


def test_the_command_shows_what_it_replaces_and_a_dry_run_loads_nothing(payloads: Payloads, tmp_path: Path) -> None:
    env = {"ECS_INSIGHT_WAREHOUSE": f"duckdb:///{tmp_path / 'w.duckdb'}"}
    cluster, runner = payloads.cluster, CliRunner()

    def run(*args: str | Path) -> tuple[int, str]:
        result = runner.invoke(app, ["import", "operator-reports", *map(str, args)], env=env)
        return result.exit_code, " ".join(result.output.split())

    code, _ = run(*payloads.packages[0], "--cluster", cluster)
    assert code == 0
    before = contents(warehouse(tmp_path, "w"))
    pvc = len(before["pvc_hourly"])
    storage = [f for f in payloads.files[0] if "-storage" in f.name]
    code, out = run(*storage, "--cluster", cluster, "--dry-run")
    assert code == 0 and "dry run: nothing loaded" in out
    day = f"{before['pvc_hourly']['hour'].min():%Y-%m-%d}"
    assert f"pvc_hourly │ {day} │ {pvc:,} │ {pvc:,}" in out and "pod_usage_hourly" not in out
    code, out = run(*payloads.packages[1], "--cluster", "ocp-other")
    assert code == 1 and "manifest.json" in out and "'ocp-other'" in out and "nothing was loaded" in out
    assert_same(contents(warehouse(tmp_path, "w")), before)
