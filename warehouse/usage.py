"""Read queries on usage facts, aggregated in the engine (pandas receives reduced frames)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from warehouse.engine import connection
from warehouse.schema import pod_usage_hourly

GIB = 2**30


def effective_hours() -> list[sa.Label]:
    """Summed pod hours of pod_usage_hourly: effective (max of request and usage per pod and hour, the
    basis most chargeback models start from), usage and request, as core-hours and GiB-hours."""
    p = pod_usage_hourly.c
    return [
        (sa.func.sum(sa.func.greatest(p.cpu_usage_core_seconds, p.cpu_request_core_seconds)) / 3600.0)
        .label("cpu_effective_core_hours"),
        (sa.func.sum(sa.func.greatest(p.memory_usage_byte_seconds, p.memory_request_byte_seconds))
         / (3600.0 * GIB)).label("memory_effective_gib_hours"),
        (sa.func.sum(p.cpu_usage_core_seconds) / 3600.0).label("cpu_usage_core_hours"),
        (sa.func.sum(p.cpu_request_core_seconds) / 3600.0).label("cpu_request_core_hours"),
        (sa.func.sum(p.memory_usage_byte_seconds) / (3600.0 * GIB)).label("memory_usage_gib_hours"),
        (sa.func.sum(p.memory_request_byte_seconds) / (3600.0 * GIB)).label("memory_request_gib_hours"),
    ]


def effective_usage_by_namespace(bind: sa.Engine | sa.Connection, window: Window,
                                 source: str | None = None) -> pd.DataFrame:
    """Per (cluster, namespace): effective CPU core-hours and memory GiB-hours in ``window``."""
    p = pod_usage_hourly.c
    query = (
        sa.select(p.cluster_id, p.namespace, *effective_hours()[:4], sa.func.count().label("pod_hours"))
        .where(p.hour >= window.start, p.hour < window.end)
        .group_by(p.cluster_id, p.namespace)
        .order_by(p.cluster_id, p.namespace)
    )
    if source is not None:
        query = query.where(p.source == source)
    with connection(bind) as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(),
                            columns=["cluster_id", "namespace", "cpu_effective_core_hours",
                                     "memory_effective_gib_hours", "cpu_usage_core_hours",
                                     "cpu_request_core_hours", "pod_hours"])
