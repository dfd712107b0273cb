"""The end-to-end slice: simulated estate -> warehouse -> chargeback, checked against the truth."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from chargeback.flat_rate import money
from common.names import UNALLOCATED
from ecs_insight.settings import Settings, load_settings
from estate import SyntheticEstate
from tests.support.estate_warehouse import build_priced_warehouse
from warehouse.queries import cost_by_sector_month
from warehouse.schema import FACT_TABLES, chargeback_result, collection_run

MONTH = "2026-09"


def tiny_settings(tmp_path: Path, url: str) -> tuple[Settings, Path]:
    path = tmp_path / "tiny.yaml"
    path.write_text(f"warehouse:\n  url: {url}\nsources:\n  synthetic:\n    profile: tiny\n    seed: 7\n"
                    "load:\n  slice_hours: 24\n")
    return load_settings(path, environ={}), path


def table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for name, t in FACT_TABLES.items()}


def stored_lines(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(chargeback_result).where(chargeback_result.c.month == MONTH)).mappings().all()
    return pd.DataFrame(rows)


@pytest.fixture
def built(warehouse_url: str, tmp_path: Path) -> tuple[Settings, sa.Engine]:
    settings, _ = tiny_settings(tmp_path, warehouse_url)
    engine = build_priced_warehouse(settings)
    yield settings, engine
    engine.dispose()


def test_chargeback_equals_truth(built: tuple[Settings, sa.Engine]) -> None:
    settings, engine = built
    estate = SyntheticEstate(settings.sources.synthetic)
    truth = estate.truth.effective_usage(MONTH).set_index(["cluster_id", "namespace"]).sort_index()
    lines = stored_lines(engine).set_index(["cluster_id", "namespace"]).sort_index()
    assert list(lines.index) == list(truth.index)
    assert lines["cpu_effective_core_hours"].to_numpy() == pytest.approx(
        truth["cpu_effective_core_hours"].to_numpy(), rel=1e-9)
    assert lines["memory_effective_gib_hours"].to_numpy() == pytest.approx(
        truth["memory_effective_gib_hours"].to_numpy(), rel=1e-9)

    # Sector per namespace as the estate intended it; unmapped namespaces kept as UNALLOCATED.
    expected = estate.truth.expected_namespace_mapping().set_index(["cluster_id", "namespace"])
    want = expected["sector_id"].where(expected["sector_id"].notna(), UNALLOCATED).reindex(lines.index)
    assert (lines["sector_id"] == want).all()
    assert (lines["sector_id"] == UNALLOCATED).any(), "the tiny estate has unmapped namespaces"

    # Money: each line is quantity x rate to the cent, and the sector totals are their exact sums.
    rates = settings.chargeback.flat
    for line, row in zip(lines.itertuples(), truth.itertuples(), strict=True):
        exact_cpu = Decimal(str(row.cpu_effective_core_hours)) * rates.cpu_core_hour
        exact_memory = Decimal(str(row.memory_effective_gib_hours)) * rates.memory_gib_hour
        assert abs(Decimal(line.cpu_cost) - exact_cpu) <= Decimal("0.005")
        assert abs(Decimal(line.memory_cost) - exact_memory) <= Decimal("0.005")
        assert Decimal(line.total_cost) == money(line.cpu_cost) + money(line.memory_cost)
    by_sector = cost_by_sector_month(engine)
    by_sector = by_sector[by_sector["month"] == MONTH].set_index("sector_id")["total_cost"]
    summed = lines.groupby("sector_id")["total_cost"].apply(lambda s: sum((Decimal(v) for v in s), Decimal(0)))
    for sector_id, total in summed.items():
        assert Decimal(by_sector[sector_id]) == total


def test_demo_twice_is_safe(built: tuple[Settings, sa.Engine]) -> None:
    settings, engine = built
    first = table_counts(engine)
    lines = stored_lines(engine)
    assert first["pod_usage_hourly"] > 0 and first["node_hourly"] > 0
    build_priced_warehouse(settings).dispose()
    assert table_counts(engine) == first
    again = stored_lines(engine)
    assert len(again) == len(lines)
    assert again["total_cost"].map(Decimal).sum() == lines["total_cost"].map(Decimal).sum()
    with engine.connect() as conn:
        statuses = conn.execute(sa.select(collection_run.c.status).distinct()).scalars().all()
    assert statuses == ["succeeded"]


def test_cli_demo_no_serve(tmp_path: Path) -> None:
    """The real console command, as the README runs it, on the tiny profile."""
    _, config = tiny_settings(tmp_path, f"duckdb:///{tmp_path / 'cli.duckdb'}")
    exe = Path(sys.executable).with_name("ecs-insight")
    done = subprocess.run([str(exe), "demo", "--no-serve", "--config", str(config)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "chargeback computed" in done.stderr
    summary = subprocess.run([str(exe), "chargeback", "summary", "--month", MONTH, "--format", "csv",
                              "--config", str(config)], capture_output=True, text=True, timeout=120)
    assert summary.returncode == 0, summary.stderr
    assert "CTI" in summary.stdout and "total_cost" in summary.stdout


def test_cli_reports_bad_config_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("server:\n  port: nope\n")
    exe = Path(sys.executable).with_name("ecs-insight")
    done = subprocess.run([str(exe), "demo", "--no-serve", "--config", str(bad)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "server.port" in done.stderr and str(bad) in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_collect_window_matches_truth_row_counts(tmp_path: Path) -> None:
    """`ecs-insight collect synthetic --start --end` loads exactly the estate's rows for the window."""
    from datetime import datetime

    from common.windows import Window

    settings, config = tiny_settings(tmp_path, f"duckdb:///{tmp_path / 'collect.duckdb'}")
    exe = Path(sys.executable).with_name("ecs-insight")
    args = [str(exe), "collect", "synthetic", "--start", "2026-09-01T06:00:00", "--end", "2026-09-02T06:00:00",
            "--config", str(config)]
    for _ in range(2):  # collecting the same window twice replaces, never doubles
        done = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    truth = SyntheticEstate(settings.sources.synthetic).truth.row_counts(
        Window(datetime(2026, 9, 1, 6), datetime(2026, 9, 2, 6)))
    engine = sa.create_engine(settings.warehouse.engine_url())
    counts = table_counts(engine)
    engine.dispose()
    assert counts == {name: truth.get(name, 0) for name in counts}
    assert counts["pod_usage_hourly"] > 0
    unknown = subprocess.run([str(exe), "collect", "nosuch", "--start", "2026-09-01", "--end", "2026-09-02",
                              "--config", str(config)], capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "unknown source 'nosuch'" in unknown.stderr
