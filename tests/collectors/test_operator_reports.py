"""Import of Cost Management Metrics Operator reports written from the simulated estate: the stored
facts equal the estate's truth, a malformed file names file, line and column and loads nothing."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from common.errors import DataError
from ecs_insight.import_cli import import_operator_reports
from ecs_insight.settings import Settings
from tests.collectors.conftest import EstateSlice
from tests.support.operator_reports import write_reports
from warehouse.dimensions import read_dimension
from warehouse.schema import FACT_TABLES, collection_run


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate({"warehouse": {"url": f"duckdb:///{tmp_path / 'w.duckdb'}"},
                                    "sources": {"synthetic": None}})


def stored(settings: Settings, table: str) -> pd.DataFrame:
    engine = sa.create_engine(settings.warehouse.engine_url())
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(FACT_TABLES[table]), conn)
    engine.dispose()
    return frame


def test_reports_load_as_the_truth(estate_slice: EstateSlice, settings: Settings, tmp_path: Path) -> None:
    cluster = estate_slice.clusters[0]
    paths = write_reports(estate_slice, cluster, tmp_path / "reports")
    report = import_operator_reports(settings, [tmp_path / "reports"], cluster)
    assert report.failures == [] and report.window == estate_slice.window
    truth = estate_slice.facts("pod_usage_hourly")
    truth = truth[truth["cluster_id"] == cluster]
    got = stored(settings, "pod_usage_hourly")
    assert (got["source"] == "operator").all() and len(got) == len(truth)
    keys = ["namespace", "pod", "hour"]
    merged = truth.merge(got, on=keys, suffixes=("", "_got"))
    assert len(merged) == len(truth)
    for column in ("cpu_usage_core_seconds", "cpu_request_core_seconds", "cpu_limit_core_seconds",
                   "memory_usage_byte_seconds", "memory_request_byte_seconds", "memory_limit_byte_seconds"):
        assert np.allclose(merged[column], merged[f"{column}_got"], rtol=1e-12, equal_nan=True), column
    assert (merged["node"] == merged["node_got"]).all()
    full = merged[merged["pod_seconds"] == 3600]
    assert (full["pod_seconds_got"] == 3600).all()
    nodes = estate_slice.facts("node_hourly")
    nodes = nodes[nodes["cluster_id"] == cluster].merge(stored(settings, "node_hourly"), on=["node", "hour"],
                                                        suffixes=("", "_got"))
    for column in ("node_seconds", "cpu_capacity_core_seconds", "memory_capacity_byte_seconds",
                   "cpu_usage_core_seconds", "memory_usage_byte_seconds"):
        assert np.allclose(nodes[column], nodes[f"{column}_got"], rtol=1e-9), column
    assert (nodes["role"] == nodes["role_got"]).all()
    pvc = estate_slice.facts("pvc_hourly")
    pvc = pvc[pvc["cluster_id"] == cluster].merge(stored(settings, "pvc_hourly"), on=["namespace", "pvc", "hour"],
                                                  suffixes=("", "_got"))
    assert len(pvc) > 0
    for column in ("capacity_byte_seconds", "request_byte_seconds", "usage_byte_seconds"):
        assert np.allclose(pvc[column], pvc[f"{column}_got"], rtol=1e-12), column
    engine = sa.create_engine(settings.warehouse.engine_url())
    ns = read_dimension(engine, "namespace")
    truth_ns = estate_slice.dimension("namespace")
    truth_ns = truth_ns[truth_ns["cluster_id"] == cluster].set_index("namespace")["labels"]
    for name, labels in zip(ns["namespace"], ns["labels"], strict=True):
        assert json.loads(labels) == json.loads(truth_ns[name]), name
    node_dim = read_dimension(engine, "node").set_index("node")
    truth_nodes = estate_slice.dimension("node").set_index("node")
    for node in node_dim.index:
        assert node_dim.at[node, "zone"] == truth_nodes.at[node, "zone"]
        assert node_dim.at[node, "role"] == truth_nodes.at[node, "role"]
    engine.dispose()
    # The operator's upload package loads the same, and a second import replaces rather than doubles.
    package = tmp_path / "upload.tar.gz"
    with tarfile.open(package, "w:gz") as tar:
        for path in paths.values():
            tar.add(path, arcname=path.name)
    import_operator_reports(settings, [package], cluster)
    again = stored(settings, "pod_usage_hourly")
    assert len(again) == len(got) and again["cpu_usage_core_seconds"].sum() == pytest.approx(
        got["cpu_usage_core_seconds"].sum(), rel=1e-12)


@pytest.mark.parametrize(("column", "bad", "reason"), [
    ("pod_usage_cpu_core_seconds", "12,5", "fields where the header has"),
    ("pod_request_memory_byte_seconds", "lots", "expected a number, got 'lots'"),
    ("interval_start", "yesterday", "expected a time"),
    ("pod_usage_memory_byte_seconds", "-3", "non-negative"),
])
def test_a_malformed_file_names_file_line_and_column_and_loads_nothing(
        estate_slice: EstateSlice, settings: Settings, tmp_path: Path, column: str, bad: str, reason: str) -> None:
    cluster = estate_slice.clusters[0]
    paths = write_reports(estate_slice, cluster, tmp_path / "reports")
    pod_file = paths["pod"]
    lines = pod_file.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[4].split(",")
    cells[header.index(column)] = bad
    lines[4] = ",".join(cells)
    pod_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        import_operator_reports(settings, [tmp_path / "reports"], cluster)
    text = str(err.value)
    assert reason in text and f"file={pod_file}" in text and "line=5" in text
    if "," not in bad:
        assert f"column={header.index(column) + 1} ({column})" in text
    engine = sa.create_engine(settings.warehouse.engine_url())
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        if "collection_run" in tables:
            assert conn.execute(sa.select(sa.func.count()).select_from(collection_run)).scalar_one() == 0
            t = FACT_TABLES["pod_usage_hourly"]
            assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0
    engine.dispose()


def test_a_file_that_is_no_report_is_refused(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="not a Cost Management Metrics Operator report"):
        import_operator_reports(settings, [path], "ocp-x")


def test_a_missing_column_is_named(estate_slice: EstateSlice, settings: Settings, tmp_path: Path) -> None:
    cluster = estate_slice.clusters[0]
    paths = write_reports(estate_slice, cluster, tmp_path / "reports")
    frame = pd.read_csv(paths["storage"], dtype=str, keep_default_na=False)
    frame.drop(columns=["volume_request_storage_byte_seconds"]).to_csv(paths["storage"], index=False)
    with pytest.raises(DataError, match=r"a storage report without the column\(s\) volume_request_storage_byte_seconds"
                       ) as err:
        import_operator_reports(settings, [tmp_path / "reports"], cluster)
    assert f"file={paths['storage']}" in str(err.value) and "line=1" in str(err.value)


def test_a_package_cut_short_is_refused_by_name(estate_slice: EstateSlice, settings: Settings, tmp_path: Path) -> None:
    cluster = estate_slice.clusters[0]
    paths = write_reports(estate_slice, cluster, tmp_path / "reports")
    package = tmp_path / "upload.tar.gz"
    with tarfile.open(package, "w:gz") as tar:
        for path in paths.values():
            tar.add(path, arcname=path.name)
    package.write_bytes(package.read_bytes()[: package.stat().st_size // 2])  # a partial download
    with pytest.raises(DataError, match=r"not a readable \.tar\.gz \(cut short or damaged\)") as err:
        import_operator_reports(settings, [package], cluster)
    assert f"file={package}" in str(err.value)


def test_a_cut_package_on_the_command_line_says_why(estate_slice: EstateSlice, tmp_path: Path) -> None:
    """Through the CLI: exit 1 with the reason, not the bare 'Aborted.' an EOFError gave."""
    import subprocess
    import sys

    cluster = estate_slice.clusters[0]
    paths = write_reports(estate_slice, cluster, tmp_path / "reports")
    package = tmp_path / "upload.tar.gz"
    with tarfile.open(package, "w:gz") as tar:
        tar.add(paths["pod"], arcname=paths["pod"].name)
    package.write_bytes(package.read_bytes()[:200])
    config = tmp_path / "c.yaml"
    config.write_text(f"warehouse:\n  url: duckdb:///{tmp_path / 'w.duckdb'}\nsources:\n  synthetic: null\n")
    run = subprocess.run([sys.executable, "-c", "from ecs_insight.cli import app; app()", "import",
                          "operator-reports", str(package), "--cluster", cluster, "--config", str(config)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "cut short or damaged" in run.stderr and "nothing was loaded" in run.stderr
    assert "Aborted" not in run.stderr


def test_node_roles_written_as_raw_label_keys_are_recognised(estate_slice: EstateSlice, settings: Settings,
                                                             tmp_path: Path) -> None:
    """Some operator versions write label keys unsanitised: label_node-role.kubernetes.io/master:"""
    cluster = estate_slice.clusters[0]
    paths = write_reports(estate_slice, cluster, tmp_path / "reports")
    pods = pd.read_csv(paths["pod"], dtype=str, keep_default_na=False)
    pods.drop(columns=["node_role"]).to_csv(paths["pod"], index=False)  # roles come from the labels alone
    labels = pd.read_csv(paths["node_labels"], dtype=str, keep_default_na=False)
    labels["node_labels"] = labels["node_labels"].str.replace(
        r"label_node_role_kubernetes_io_(\w+):", lambda m: f"label_node-role.kubernetes.io/{m.group(1)}:", regex=True)
    assert labels["node_labels"].str.contains("label_node-role.kubernetes.io/").all()
    labels.to_csv(paths["node_labels"], index=False)
    import_operator_reports(settings, [tmp_path / "reports"], cluster)
    engine = sa.create_engine(settings.warehouse.engine_url())
    node_dim = read_dimension(engine, "node").set_index("node")
    engine.dispose()
    truth = estate_slice.dimension("node")
    truth = truth[truth["cluster_id"] == cluster].set_index("node")
    assert set(truth["role"]) - {"worker"}, "the slice has no master or infra node to tell apart"
    assert (node_dim.loc[truth.index, "role"] == truth["role"]).all()
