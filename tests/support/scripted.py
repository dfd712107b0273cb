"""A collector whose batches a test gives, and what the warehouse then holds per cluster.

The real collectors are tested against real servers; these tests are about what the job does with
the batches (runs per scope, faults isolated, stored data kept).
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from collectors.base import Batch
from common.errors import TransientError
from common.windows import Window
from warehouse.schema import pod_usage_hourly


class ScriptedCollector:
    """Yields the given batches; with ``fail_after``, raises a TransientError before that batch."""

    source = "scripted"

    def __init__(self, batches: list[Batch], fail_after: int | None = None) -> None:
        self.batches = batches
        self.fail_after = fail_after

    def collect(self, window: Window) -> Iterator[Batch]:
        for i, batch in enumerate(self.batches):
            if self.fail_after is not None and i == self.fail_after:
                raise TransientError("server went away", window=str(window))
            yield batch


def stored_clusters(engine: sa.Engine) -> dict[str, int]:
    """Stored pod-hour rows per cluster."""
    p = pod_usage_hourly.c
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(p.cluster_id, sa.func.count()).group_by(p.cluster_id)).all())
