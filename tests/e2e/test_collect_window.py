"""Collecting a window: runs are recorded per scope, and a fault in one scope spares the others."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.base import Batch
from common.windows import Window
from ingest import collect_window
from tests.support.frames import T0, pod_rows
from tests.support.scripted import ScriptedCollector, stored_clusters
from warehouse.runs import recent_runs

WINDOW = Window(T0, T0 + timedelta(hours=6))


def batch(cluster: str, frame: pd.DataFrame) -> Batch:
    return Batch("pod_usage_hourly", "scripted", cluster, WINDOW, frame.assign(source="scripted"))


@pytest.fixture
def engine(warehouse_engine: sa.Engine) -> sa.Engine:
    return warehouse_engine


def test_bad_cluster_is_recorded_and_the_others_load(engine: sa.Engine) -> None:
    good = batch("c-good", pod_rows("c-good", T0, 6))
    bad = batch("c-bad", pod_rows("c-bad", T0, 6).drop(columns=["cpu_usage_core_seconds"]))
    report = collect_window(engine, ScriptedCollector([bad, good]), WINDOW)
    assert report.rows == 18
    assert len(report.failures) == 1 and "c-bad" in report.failures[0]
    assert "cpu_usage_core_seconds" in report.failures[0]
    assert stored_clusters(engine) == {"c-good": 18}
    runs = recent_runs(engine).set_index("cluster_id")
    assert runs.loc["c-good", "status"] == "succeeded" and runs.loc["c-good", "rows"] == 18
    assert runs.loc["c-bad", "status"] == "failed"
    assert "cpu_usage_core_seconds" in runs.loc["c-bad", "error"]


def test_collector_failure_fails_its_runs_and_keeps_stored_data(engine: sa.Engine) -> None:
    collect_window(engine, ScriptedCollector([batch("c1", pod_rows("c1", T0, 6))]), WINDOW)
    failing = ScriptedCollector([batch("c1", pod_rows("c1", T0, 6, scale=9))], fail_after=0)
    report = collect_window(engine, failing, WINDOW)
    assert report.failures and "server went away" in report.failures[0]
    assert stored_clusters(engine) == {"c1": 18}
    runs = recent_runs(engine)
    assert runs.iloc[0]["status"] == "failed" and runs.iloc[0]["cluster_id"] == "scripted"


def test_load_benchmark_on_tiny_data() -> None:
    """`ecs-insight bench load` keeps working; its figures are not asserted (benchmarks are not tests)."""
    exe = Path(sys.executable).with_name("ecs-insight")
    done = subprocess.run([str(exe), "bench", "load", "--profile", "tiny"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "load" and result["profile"] == "tiny"
    assert result["rows"] > result["baseline_rows"] > 0
    assert {"seconds", "baseline", "baseline_seconds", "rows_per_s"} <= set(result)


def test_dimension_batches_are_upserted_and_namespaces_resolved(engine: sa.Engine) -> None:
    from warehouse.dimensions import read_dimension
    from warehouse.load import load_dimensions

    load_dimensions(engine, {
        "sector": pd.DataFrame({"sector_id": ["CTI"], "name": ["CTI"]}),
        "cluster": pd.DataFrame({"cluster_id": ["c1"], "name": ["c1"], "owner_sector_id": ["CTI"],
                                 "shared": [False], "zones": ["z1"]}),
    })
    namespaces = pd.DataFrame({"cluster_id": ["c1", "c1"], "namespace": ["payments", "openshift-dns"],
                               "labels": ['{"ecs/application": "pay"}', "{}"]})
    dims = Batch("namespace", "scripted", "c1", WINDOW, namespaces)
    report = collect_window(engine, ScriptedCollector([dims, batch("c1", pod_rows("c1", T0, 6))]), WINDOW)
    assert report.failures == []
    stored = read_dimension(engine, "namespace").set_index("namespace")
    assert stored.loc["payments", "sector_id"] == "CTI" and stored.loc["payments", "application"] == "pay"
    assert stored.loc["payments", "mapping_rule"] == "cluster-owner"
    assert bool(stored.loc["openshift-dns", "is_platform"]) is True
    bad = Batch("namespace", "scripted", "c1", WINDOW, namespaces.assign(labels="{broken"))
    report = collect_window(engine, ScriptedCollector([bad]), WINDOW)
    assert report.failures and "not JSON" in report.failures[0]
