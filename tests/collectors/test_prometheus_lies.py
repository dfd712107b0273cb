"""A real Prometheus that answers impossible values: the lying series are refused, the rest loads.

One hour of one cluster (promtool backfill): a pod with negative memory, a pod whose OOM counter
jumps to 1e308, a volume claim requesting negative bytes, next to a pod and a claim that are fine.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.prometheus import ClusterEndpoint, PrometheusCollector, PrometheusSourceConfig
from common.windows import Window
from ingest import collect_window
from testbed.prometheus import PrometheusServer
from tests.collectors.backfill import backfilled, hour_of_samples
from warehouse import runs
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.schema import container_usage_hourly, pod_usage_hourly, pvc_hourly

HOUR = datetime(2026, 9, 10, 6)
WINDOW = Window(HOUR, HOUR + timedelta(hours=1))
GIB = 2**30


def _om_lies() -> str:
    c, ksm = 'cluster="liar-01"', 'cluster="liar-01",job="kube-state-metrics"'
    lines: list[str] = []
    family = hour_of_samples(HOUR, lines)
    pods = ("api-1", "liar-1", "liar-2")
    where = {p: f'{c},namespace="shop",pod="{p}",container="app",node="n1"' for p in pods}
    family("container_cpu_usage_seconds", "counter", [(where[p], [0.5 * 60 * k for k in range(61)]) for p in pods])
    family("container_memory_working_set_bytes", "gauge",
           [(where[p], [-1e9 if p == "liar-1" else 1e8] * 60) for p in pods])
    family("container_oom_events", "counter", [(where["liar-2"], [0.0] * 30 + [1e308] * 31)])
    family("kube_pod_info", "gauge", [(f'{ksm},namespace="shop",pod="{p}",uid="u-{p}",node="n1"', [1.0] * 60)
                                      for p in pods])
    family("kube_pod_status_phase", "gauge", [(f'{ksm},namespace="shop",pod="{p}",uid="u-{p}",phase="Running"',
                                               [1.0] * 60) for p in pods])
    family("kube_node_status_capacity", "gauge", [
        (f'{ksm},node="n1",resource="{r}",unit="{u}"', [v] * 60) for r, u, v in (("cpu", "core", 8.0),
                                                                                ("memory", "byte", 32.0 * GIB))])
    family("kube_persistentvolumeclaim_resource_requests_storage_bytes", "gauge", [
        (f'{ksm},namespace="shop",persistentvolumeclaim="{name}"', [v] * 60)
        for name, v in (("data-ok", 10.0 * GIB), ("data-bad", -10.0 * GIB))])
    family("kube_persistentvolumeclaim_info", "gauge", [
        (f'{ksm},namespace="shop",persistentvolumeclaim="{name}",volumename="pv-{name}",storageclass="fast"',
         [1.0] * 60) for name in ("data-ok", "data-bad")])
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def liar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    with backfilled(tmp_path_factory.mktemp("prom-lies"), "lies", _om_lies()) as server:
        yield server


def _names(engine: sa.Engine, table: sa.Table, column: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(table.c[column]).distinct()).scalars())


def test_negative_and_huge_samples_are_refused_and_named(liar: PrometheusServer, tmp_path: Path) -> None:
    engine = create_warehouse_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    upgrade(engine)
    cfg = PrometheusSourceConfig(clusters=[ClusterEndpoint(cluster_id="liar-01", url=liar.url,
                                                           selector={"cluster": "liar-01"})],
                                 scrape_interval_seconds=60)
    report = collect_window(engine, PrometheusCollector(cfg), WINDOW)
    assert _names(engine, pod_usage_hourly, "pod") == {"api-1"}
    assert _names(engine, container_usage_hourly, "pod") == {"api-1"}
    assert _names(engine, pvc_hourly, "pvc") == {"data-ok"}
    with engine.connect() as conn:
        stored = pd.read_sql(sa.select(pod_usage_hourly), conn)
    assert (stored["memory_usage_byte_seconds"] >= 0).all()

    [failure] = report.failures
    run = runs.recent_runs(engine).set_index("cluster_id").loc["liar-01"]
    assert run["status"] == "failed" and failure == f"liar-01: {run['error']}"
    error = run["error"]
    assert ("memory_usage_byte_seconds=-3600000000000.0 (negative) at cluster_id=liar-01, namespace=shop, "
            "pod=liar-1") in error
    assert "oom_kills=" in error and "pod=liar-2" in error and "(does not fit Integer)" in error
    # the claim's capacity falls back to its request: the first column found negative
    assert ("pvc_hourly.capacity_byte_seconds=-38654705664000.0 (negative) at cluster_id=liar-01, "
            "namespace=shop, pvc=data-bad") in error
    assert f"hour={pd.Timestamp(HOUR)}" in error
