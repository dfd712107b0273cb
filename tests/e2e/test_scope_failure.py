"""A collector reports one failed scope (a ScopeFailure) and the job loads the other scopes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from common.errors import TransientError
from common.windows import Window
from ingest import collect_window
from tests.support.frames import T0, pod_rows
from tests.support.scripted import ScriptedCollector, stored_clusters
from warehouse.runs import recent_runs

WINDOW = Window(T0, T0 + timedelta(hours=2))


class OneScopeDown:
    """Yields c1's rows, then a failure for c2 (after a stray c2 batch), then c3's rows."""

    source = "scripted"

    def collect(self, window: Window) -> Iterator[Batch | ScopeFailure]:
        yield self._batch("c1")
        yield self._batch("c2")
        yield ScopeFailure(self.source, "c2", window, TransientError("connection refused", cluster="c2"))
        yield self._batch("c2")
        yield self._batch("c3")

    def _batch(self, cluster: str) -> Batch:
        frame = pod_rows(cluster, T0, 2, source=self.source)
        return Batch("pod_usage_hourly", self.source, cluster, WINDOW, frame)


def test_a_failed_scope_is_recorded_and_loads_nothing(warehouse_engine: sa.Engine) -> None:
    before = pod_rows("c2", T0, 2, pods=1, source="scripted")
    earlier = Batch("pod_usage_hourly", "scripted", "c2", WINDOW, before)
    collect_window(warehouse_engine, ScriptedCollector([earlier]), WINDOW)
    report = collect_window(warehouse_engine, OneScopeDown(), WINDOW)
    assert report.failures == ["c2: connection refused (cluster=c2)"]
    # c2 keeps what it had before the failed run.
    assert stored_clusters(warehouse_engine) == {"c1": 6, "c2": 2, "c3": 6}
    runs = recent_runs(warehouse_engine)
    latest = runs.sort_values("run_id").drop_duplicates("cluster_id", keep="last").set_index("cluster_id")
    assert latest.loc["c2", "status"] == "failed" and "connection refused" in latest.loc["c2", "error"]
    assert (latest.loc[["c1", "c3"], "status"] == "succeeded").all()
