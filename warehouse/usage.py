"""Read queries on usage facts, aggregated in the engine (pandas receives reduced frames)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from warehouse.engine import connection
from warehouse.schema import pod_usage_hourly

GIB = 2**30


def effective_usage_by_namespace(bind: sa.Engine | sa.Connection, window: Window,
                                 source: str | None = None) -> pd.DataFrame:
    """Per (cluster, namespace): effective CPU core-hours and memory GiB-hours in ``window``.

    Effective = max(request, usage) per pod and hour, the basis most chargeback models start from.
    """
    p = pod_usage_hourly.c
    query = (
        sa.select(
            p.cluster_id,
            p.namespace,
            (sa.func.sum(sa.func.greatest(p.cpu_usage_core_seconds, p.cpu_request_core_seconds)) / 3600.0)
            .label("cpu_effective_core_hours"),
            (sa.func.sum(sa.func.greatest(p.memory_usage_byte_seconds, p.memory_request_byte_seconds))
             / (3600.0 * GIB)).label("memory_effective_gib_hours"),
            (sa.func.sum(p.cpu_usage_core_seconds) / 3600.0).label("cpu_usage_core_hours"),
            (sa.func.sum(p.cpu_request_core_seconds) / 3600.0).label("cpu_request_core_hours"),
            sa.func.count().label("pod_hours"),
        )
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


def usage_time_range(bind: sa.Engine | sa.Connection, source: str | None = None
                     ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last hour with pod usage, or None for an empty warehouse."""
    p = pod_usage_hourly.c
    query = sa.select(sa.func.min(p.hour), sa.func.max(p.hour))
    if source is not None:
        query = query.where(p.source == source)
    with connection(bind) as conn:
        first, last = conn.execute(query).one()
    return None if first is None else (pd.Timestamp(first), pd.Timestamp(last))
