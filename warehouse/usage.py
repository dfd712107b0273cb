"""Read queries on usage facts, aggregated in the engine (pandas receives reduced frames).

Windows of whole UTC days are summed from the daily rollup (``pod_usage_daily``, kept in step with
the pod-hours by every load); any other window from ``pod_usage_hourly``. Both give the same sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from warehouse.engine import connection, read_frame
from warehouse.rollups import day_aligned, pod_hour_quantities
from warehouse.schema import pod_usage_daily, pod_usage_hourly

GIB = 2**30
# (label, divisor to core-hours or GiB-hours)
EFFECTIVE_LABELS = (
    ("cpu_effective_core_hours", 3600.0),
    ("memory_effective_gib_hours", 3600.0 * GIB),
    ("cpu_usage_core_hours", 3600.0),
    ("cpu_request_core_hours", 3600.0),
    ("memory_usage_gib_hours", 3600.0 * GIB),
    ("memory_request_gib_hours", 3600.0 * GIB),
)


@dataclass(frozen=True)
class PodUsage:
    """Where a window's pod usage is summed from, and the summed columns."""

    table: sa.Table
    hours: list[sa.Label]  # effective, usage and request, as core-hours and GiB-hours (EFFECTIVE_LABELS)
    pod_hours: sa.Label
    conditions: list[sa.ColumnElement[bool]]


def pod_usage(window: Window, source: str | None = None) -> PodUsage:
    """Summed pod hours in ``window``: effective (max of request and usage per pod and hour, the basis
    most chargeback models start from), usage and request."""
    if day_aligned(window):
        d = pod_usage_daily.c
        table, time = pod_usage_daily, "day"
        sums: list[sa.ColumnElement] = [
            d.cpu_effective_core_seconds, d.memory_effective_byte_seconds, d.cpu_usage_core_seconds,
            d.cpu_request_core_seconds, d.memory_usage_byte_seconds, d.memory_request_byte_seconds]
        pod_hours = sa.func.sum(d.pod_hours)
    else:
        table, time = pod_usage_hourly, "hour"
        sums = pod_hour_quantities()
        pod_hours = sa.func.count()
    hours = [(sa.func.sum(column) / divisor).label(label)
             for column, (label, divisor) in zip(sums, EFFECTIVE_LABELS, strict=True)]
    return PodUsage(table, hours, pod_hours.label("pod_hours"), in_window(table, window, source, time))


def in_window(table: sa.Table, window: Window, source: str | None = None,
              time: str = "hour") -> list[sa.ColumnElement[bool]]:
    """The rows of ``table`` whose ``time`` falls in ``window`` (and of ``source`` only, when given)."""
    conditions = [table.c[time] >= window.start, table.c[time] < window.end]
    if source is not None:
        conditions.append(table.c.source == source)
    return conditions


def effective_usage_by_namespace(bind: sa.Engine | sa.Connection, window: Window,
                                 source: str | None = None) -> pd.DataFrame:
    """Per (cluster, namespace): effective CPU core-hours and memory GiB-hours in ``window``."""
    usage = pod_usage(window, source)
    c = usage.table.c
    query = (
        sa.select(c.cluster_id, c.namespace, *usage.hours[:4], usage.pod_hours)
        .where(*usage.conditions)
        .group_by(c.cluster_id, c.namespace)
        .order_by(c.cluster_id, c.namespace)
    )
    with connection(bind) as conn:
        frame = read_frame(conn, query, ["cluster_id", "namespace", "cpu_effective_core_hours",
                                         "memory_effective_gib_hours", "cpu_usage_core_hours",
                                         "cpu_request_core_hours", "pod_hours"])
    frame["pod_hours"] = frame["pod_hours"].astype("int64")
    return frame
