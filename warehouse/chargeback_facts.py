"""Month aggregates the chargeback engine needs, summed in the engine (portable SQLAlchemy Core).

Every query reduces a month of hourly facts to one row per (cluster, node, namespace) or smaller,
so pandas only ever receives reduced frames. Quantities come back as core-hours, GiB-hours,
GiB-hours of PVC capacity and log bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from warehouse.engine import connection, read_frame
from warehouse.schema import collection_run, log_volume_hourly, node_hourly, pod_usage_hourly, pvc_hourly
from warehouse.usage import GIB, in_window, pod_usage

USAGE_COLUMNS = ["cluster_id", "node", "namespace", "cpu_effective_core_hours", "memory_effective_gib_hours",
                 "cpu_usage_core_hours", "cpu_request_core_hours", "memory_usage_gib_hours",
                 "memory_request_gib_hours"]
NODE_COLUMNS = ["cluster_id", "node", "role", "cpu_capacity_core_hours", "memory_capacity_gib_hours",
                "node_hours"]
PVC_COLUMNS = ["cluster_id", "namespace", "storage_class", "capacity_gib_hours"]
LOG_COLUMNS = ["cluster_id", "namespace", "log_bytes"]
COVERAGE_COLUMNS = ["cluster_id", "collected_hours", "node_hours_present", "failed_runs"]


@dataclass(frozen=True)
class MonthFacts:
    """The reduced facts of one month."""

    usage: pd.DataFrame      # per (cluster, node, namespace)
    nodes: pd.DataFrame      # per (cluster, node)
    pvcs: pd.DataFrame       # per (cluster, namespace, storage class)
    logs: pd.DataFrame       # per (cluster, namespace)
    coverage: pd.DataFrame   # per cluster: hours collected by succeeded runs, hours with node facts, failures


def usage_by_node_namespace(window: Window, source: str | None = None) -> sa.Select:
    """Effective = max(request, usage) per pod and hour, summed per (cluster, node, namespace)."""
    usage = pod_usage(window, source)
    c = usage.table.c
    return (
        sa.select(c.cluster_id, c.node, c.namespace, *usage.hours)
        .where(*usage.conditions)
        .group_by(c.cluster_id, c.node, c.namespace)
    )


def node_capacity(window: Window, source: str | None = None) -> sa.Select:
    n = node_hourly.c
    return (
        sa.select(
            n.cluster_id, n.node, sa.func.max(n.role).label("role"),
            (sa.func.sum(n.cpu_capacity_core_seconds) / 3600.0).label("cpu_capacity_core_hours"),
            (sa.func.sum(n.memory_capacity_byte_seconds) / (3600.0 * GIB)).label("memory_capacity_gib_hours"),
            (sa.func.sum(n.node_seconds) / 3600.0).label("node_hours"),
        )
        .where(*in_window(node_hourly, window, source))
        .group_by(n.cluster_id, n.node)
    )


def pvc_capacity(window: Window, source: str | None = None) -> sa.Select:
    v = pvc_hourly.c
    return (
        sa.select(v.cluster_id, v.namespace, v.storage_class,
                  (sa.func.sum(v.capacity_byte_seconds) / (3600.0 * GIB)).label("capacity_gib_hours"))
        .where(*in_window(pvc_hourly, window, source))
        .group_by(v.cluster_id, v.namespace, v.storage_class)
    )


def log_bytes(window: Window, source: str | None = None) -> sa.Select:
    lv = log_volume_hourly.c
    return (
        sa.select(lv.cluster_id, lv.namespace, sa.func.sum(sa.func.coalesce(lv.bytes, 0)).label("log_bytes"))
        .where(*in_window(log_volume_hourly, window, source))
        .group_by(lv.cluster_id, lv.namespace)
    )


def _hours_present(table: sa.Table, window: Window, source: str | None, label: str) -> sa.Select:
    return (sa.select(table.c.cluster_id, sa.func.count(sa.distinct(table.c.hour)).label(label))
            .where(*in_window(table, window, source)).group_by(table.c.cluster_id))


def _runs(window: Window) -> sa.Select:
    r = collection_run.c
    return (sa.select(r.cluster_id, r.window_start, r.window_end, r.status)
            .where(r.window_start < window.end, r.window_end > window.start))


def run_coverage(runs: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Per scope: hours of ``window`` covered by succeeded collection runs, and failed runs.

    Reading the run log (one row per scope and slice) instead of counting distinct hours in the
    pod facts keeps completeness off the month's largest scan.
    """
    rows = []
    for cluster_id, mine in runs.groupby("cluster_id", sort=True):
        ok = mine[mine["status"] == "succeeded"].sort_values("window_start")
        covered, end = pd.Timedelta(0), pd.Timestamp(window.start)
        for start, stop in zip(ok["window_start"], ok["window_end"], strict=True):
            start, stop = max(pd.Timestamp(start), end), min(pd.Timestamp(stop), pd.Timestamp(window.end))
            if stop > start:
                covered += stop - start
                end = stop
        rows.append({"cluster_id": cluster_id, "collected_hours": int(covered / pd.Timedelta(hours=1)),
                     "failed_runs": int((mine["status"] == "failed").sum())})
    return pd.DataFrame(rows, columns=["cluster_id", "collected_hours", "failed_runs"])


def month_facts(bind: sa.Engine | sa.Connection, window: Window, source: str | None = None) -> MonthFacts:
    """All reduced facts of ``window`` in one connection."""
    with connection(bind) as conn:
        usage = read_frame(conn, usage_by_node_namespace(window, source), USAGE_COLUMNS)
        nodes = read_frame(conn, node_capacity(window, source), NODE_COLUMNS)
        pvcs = read_frame(conn, pvc_capacity(window, source), PVC_COLUMNS)
        logs = read_frame(conn, log_bytes(window, source), LOG_COLUMNS)
        node_hours = read_frame(conn, _hours_present(node_hourly, window, source, "node_hours_present"),
                            ["cluster_id", "node_hours_present"])
        runs = read_frame(conn, _runs(window), ["cluster_id", "window_start", "window_end", "status"])
    coverage = run_coverage(runs, window).merge(node_hours, on="cluster_id", how="outer")
    coverage = coverage.fillna({"collected_hours": 0, "node_hours_present": 0, "failed_runs": 0})
    for column in ("collected_hours", "node_hours_present", "failed_runs"):
        coverage[column] = coverage[column].astype(int)
    logs["log_bytes"] = logs["log_bytes"].astype(float)
    pvcs["storage_class"] = pvcs["storage_class"].where(pvcs["storage_class"].notna(), "")
    return MonthFacts(usage=usage, nodes=nodes, pvcs=pvcs, logs=logs, coverage=coverage[COVERAGE_COLUMNS])


def bare_effective_by_namespace(bind: sa.Engine | sa.Connection, window: Window) -> pd.DataFrame:
    """The benchmark baseline: SUM(GREATEST(usage, request)) per namespace, nothing else."""
    p = pod_usage_hourly.c
    query = (sa.select(p.namespace,
                       sa.func.sum(sa.func.greatest(p.cpu_usage_core_seconds, p.cpu_request_core_seconds)),
                       sa.func.sum(sa.func.greatest(p.memory_usage_byte_seconds, p.memory_request_byte_seconds)))
             .where(p.hour >= window.start, p.hour < window.end).group_by(p.namespace))
    with connection(bind) as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=["namespace", "cpu", "memory"])
