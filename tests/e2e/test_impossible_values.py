"""A batch with impossible values: its bad rows are refused by name, the rest of the window loads.

Through ``collect_window`` into a real warehouse (DuckDB and PostgreSQL): the good rows are stored,
the bad ones are not, the scope's run fails and says why, and rows stored before are kept.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import sqlalchemy as sa

from collectors.base import Batch
from common.windows import Window
from ingest import collect_window
from tests.support.frames import T0, pod_rows
from tests.support.scripted import ScriptedCollector, stored_clusters
from warehouse.runs import recent_runs
from warehouse.schema import pod_usage_daily, pod_usage_hourly

EARLIER = Window(T0 - timedelta(hours=2), T0)
WINDOW = Window(T0, T0 + timedelta(hours=2))
CORES = 8


def pods(cluster: str, start: object = T0) -> pd.DataFrame:
    return pod_rows(cluster, start, 2, pods=3, source="scripted")


def nodes(cluster: str) -> pd.DataFrame:
    return pd.DataFrame({
        "hour": pd.date_range(T0, periods=2, freq="h"), "source": "scripted", "cluster_id": cluster,
        "node": "w1", "role": "worker", "node_seconds": 3600.0,
        "cpu_capacity_core_seconds": CORES * 3600.0, "cpu_allocatable_core_seconds": CORES * 3600.0,
        "memory_capacity_byte_seconds": 3600 * 2.0**35, "memory_allocatable_byte_seconds": 3600 * 2.0**35,
        "cpu_usage_core_seconds": None, "memory_usage_byte_seconds": None,
    })


def stored(engine: sa.Engine, window: Window) -> pd.DataFrame:
    p = pod_usage_hourly.c
    query = (sa.select(p.cluster_id, p.pod, p.hour, p.cpu_usage_core_seconds, p.oom_kills)
             .where(p.hour >= window.start, p.hour < window.end).order_by(p.cluster_id, p.hour, p.pod))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=["cluster_id", "pod", "hour", "cpu", "oom"])


def test_bad_rows_are_refused_by_name_and_the_rest_of_the_window_loads(warehouse_engine: sa.Engine) -> None:
    engine = warehouse_engine
    collect_window(engine, ScriptedCollector([Batch("pod_usage_hourly", "scripted", "c1", EARLIER,
                                                    pods("c1", EARLIER.start))]), EARLIER)
    lying = pods("c1")
    lying["oom_kills"] = lying["oom_kills"].astype("float64")
    lying.loc[1, "cpu_usage_core_seconds"] = -1_000_000.0                 # pod-1, first hour
    lying.loc[5, "oom_kills"] = 1e308                                     # pod-2, second hour
    lying.loc[3, "cpu_usage_core_seconds"] = CORES * 3600 * 1.5           # pod-0: 12 cores on an 8-core node
    batches = [Batch("pod_usage_hourly", "scripted", "c1", WINDOW, lying),
               Batch("node_hourly", "scripted", "c1", WINDOW, nodes("c1")),
               Batch("pod_usage_hourly", "scripted", "c2", WINDOW, pods("c2"))]
    report = collect_window(engine, ScriptedCollector(batches), WINDOW)

    rows = stored(engine, WINDOW)
    assert len(rows[rows.cluster_id == "c2"]) == 6
    kept = rows[rows.cluster_id == "c1"]
    assert set(zip(kept.pod, kept.hour.dt.hour, strict=True)) == {("pod-0", 0), ("pod-2", 0), ("pod-1", 1)}
    assert (rows.cpu >= 0).all() and (rows.oom.fillna(0) < 2**31).all()
    assert stored_clusters(engine) == {"c1": 6 + 3, "c2": 6}            # the earlier window is kept
    with engine.connect() as conn:                                     # the rollup holds no lie either
        day_cpu = conn.execute(sa.select(sa.func.min(pod_usage_daily.c.cpu_usage_core_seconds))).scalar_one()
    assert day_cpu >= 0

    assert report.rows == 3 + 2 + 6 and len(report.failures) == 1
    runs = recent_runs(engine)
    latest = runs[runs.window_start == WINDOW.start].set_index("cluster_id")
    assert latest.loc["c2", "status"] == "succeeded" and latest.loc["c1", "status"] == "failed"
    assert latest.loc["c1", "rows"] == 3 + 2
    error = latest.loc["c1", "error"]
    assert error == report.failures[0].removeprefix("c1: ")
    assert error.startswith("rejected 3 rows with impossible values: ")
    assert ("pod_usage_hourly.cpu_usage_core_seconds=-1000000.0 (negative) at cluster_id=c1, namespace=ns, "
            "pod=pod-1, node=w1, hour=2026-09-01 00:00:00") in error
    assert "pod_usage_hourly.oom_kills=1e+308 (does not fit Integer) at cluster_id=c1, namespace=ns, pod=pod-2" in error
    assert "pod_usage_hourly.cpu_usage_core_seconds=43200.0 (above its node's capacity 28800)" in error


def test_a_batch_with_nothing_wrong_loads_and_succeeds(warehouse_engine: sa.Engine) -> None:
    batches = [Batch("pod_usage_hourly", "scripted", "c1", WINDOW, pods("c1")),
               Batch("node_hourly", "scripted", "c1", WINDOW, nodes("c1"))]
    report = collect_window(warehouse_engine, ScriptedCollector(batches), WINDOW)
    assert report.failures == [] and report.rows == 8
    assert recent_runs(warehouse_engine).iloc[0]["status"] == "succeeded"
