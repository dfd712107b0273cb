"""Incremental collection on a real warehouse (both engines) with the simulated estate as the source:
watermarks per scope, the last complete hours, refill of a failed window, and completeness."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from common.errors import TransientError
from common.windows import Window
from estate import EstateConfig, SyntheticEstate, SyntheticSource
from ingest.config import ScheduleConfig
from ingest.incremental import collect_incremental, plan
from warehouse import runs
from warehouse.schema import FACT_TABLES

ESTATE = SyntheticEstate(EstateConfig(profile="tiny", seed=42))
T0 = ESTATE.window.start
SCHEDULE = ScheduleConfig(first_run_hours=6, settle_minutes=5, refill_days=7)


class FlakySource(SyntheticSource):
    """The estate, but one cluster fails for windows that touch ``broken`` (a cluster's outage)."""

    def __init__(self, broken: Window | None = None, cluster: str = "ocp-icg-01") -> None:
        super().__init__(ESTATE)
        self.broken, self.cluster = broken, cluster

    def collect(self, window: Window) -> Iterator[Batch | ScopeFailure]:
        failing = self.broken is not None and window.start < self.broken.end and self.broken.start < window.end
        if failing:
            yield ScopeFailure(self.source, self.cluster, window, TransientError("server unreachable"))
        for batch in super().collect(window):
            if not (failing and batch.scope == self.cluster):
                yield batch


def hours_stored(engine: sa.Engine, cluster: str) -> set[datetime]:
    t = FACT_TABLES["node_hourly"]
    with engine.connect() as conn:
        return {h for (h,) in conn.execute(sa.select(t.c.hour).distinct().where(t.c.cluster_id == cluster))}


def test_incremental_runs_follow_the_watermark_and_refill_failures(warehouse_engine: sa.Engine) -> None:
    engine = warehouse_engine
    now = T0 + timedelta(hours=10, minutes=3)  # hour 9 has not settled yet: the last complete hour is 8
    assert plan(engine, "synthetic", SCHEDULE, now) == [Window(T0 + timedelta(hours=3), T0 + timedelta(hours=9))]
    outage = Window(T0 + timedelta(hours=4), T0 + timedelta(hours=5))
    first = collect_incremental(engine, FlakySource(outage), SCHEDULE, slice_hours=2, now=now)
    assert first.failures and all("ocp-icg-01" in f for f in first.failures)
    icg = hours_stored(engine, "ocp-icg-01")
    assert T0 + timedelta(hours=4) not in icg and T0 + timedelta(hours=8) in icg
    marks = runs.watermarks(engine, "synthetic")
    assert marks["ocp-cti-01"] == marks["ocp-icg-01"] == T0 + timedelta(hours=9)
    assert runs.uncovered_failures(engine, "synthetic", T0) == [
        ("ocp-icg-01", Window(T0 + timedelta(hours=3), T0 + timedelta(hours=5)))]
    report = runs.completeness(engine, "synthetic", Window(T0, T0 + timedelta(hours=9)),
                               list(FACT_TABLES.values()))
    row = report.set_index("scope").loc["ocp-icg-01"]
    assert (row["hours_expected"], row["hours_collected"], row["hours_failed"], row["hours_with_data"]) == (9, 4, 2, 4)

    # Next run, three hours later: the hole is refilled and the new hours collected.
    later = now + timedelta(hours=3)
    assert plan(engine, "synthetic", SCHEDULE, later) == [
        Window(T0 + timedelta(hours=3), T0 + timedelta(hours=5)),
        Window(T0 + timedelta(hours=9), T0 + timedelta(hours=12))]
    second = collect_incremental(engine, FlakySource(), SCHEDULE, slice_hours=24, now=later)
    assert not second.failures
    assert hours_stored(engine, "ocp-icg-01") == {T0 + timedelta(hours=h) for h in range(3, 12)}
    assert runs.uncovered_failures(engine, "synthetic", T0) == []
    assert plan(engine, "synthetic", SCHEDULE, later) == []  # up to date
    report = runs.completeness(engine, "synthetic", Window(T0, T0 + timedelta(hours=12)),
                               list(FACT_TABLES.values()))
    row = report.set_index("scope").loc["ocp-icg-01"]
    assert (row["hours_collected"], row["hours_failed"], row["hours_with_data"]) == (9, 0, 9)

    # Re-collecting is idempotent: the stored facts equal the estate's once, not twice.
    collect_incremental(engine, FlakySource(), SCHEDULE, slice_hours=24, now=later + timedelta(hours=1))
    t = FACT_TABLES["pod_usage_hourly"]
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.sum(t.c.cpu_usage_core_seconds)).where(
            t.c.hour < T0 + timedelta(hours=12))).scalar_one()
    truth = pd.concat([b.frame for b in ESTATE.collect(Window(T0 + timedelta(hours=3), T0 + timedelta(hours=12)),
                                                       tables=["pod_usage_hourly"])])
    assert abs(stored - truth["cpu_usage_core_seconds"].sum()) <= 1e-6 * stored


def test_a_removed_cluster_does_not_hold_the_watermark_back(warehouse_engine: sa.Engine) -> None:
    engine = warehouse_engine
    w = Window(T0, T0 + timedelta(hours=2))
    runs.finish_run(engine, runs.start_run(engine, "synthetic", "ocp-gone-01", Window(T0, T0 + timedelta(hours=1))), 5)
    for scope in ("ocp-cti-01", "ocp-icg-01"):
        runs.finish_run(engine, runs.start_run(engine, "synthetic", scope, w), 10)
    assert runs.active_watermarks(engine, "synthetic") == {"ocp-cti-01": w.end, "ocp-icg-01": w.end}


def test_health_metrics_read_the_runs_at_scrape_time(warehouse_engine: sa.Engine) -> None:
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from ecs_insight.health import registry_for

    engine = warehouse_engine
    registry = registry_for(engine)
    collect_incremental(engine, FlakySource(Window(T0 + timedelta(hours=3), T0 + timedelta(hours=4))), SCHEDULE,
                        slice_hours=24, now=T0 + timedelta(hours=9, minutes=10))
    samples = {(s.name, s.labels.get("scope"), s.labels.get("status")): s.value
               for f in text_string_to_metric_families(generate_latest(registry).decode())
               for s in f.samples}
    assert samples[("ecs_insight_warehouse_up", None, None)] == 1.0
    assert samples[("ecs_insight_collection_runs_total", "ocp-icg-01", "failed")] == 1.0
    assert samples[("ecs_insight_collection_runs_total", "ocp-cti-01", "succeeded")] == 1.0
    assert samples[("ecs_insight_collection_rows_total", "ocp-cti-01", None)] > 0
    assert samples[("ecs_insight_collection_watermark_timestamp_seconds", "ocp-cti-01", None)] == (
        T0 + timedelta(hours=9) - datetime(1970, 1, 1)).total_seconds()
    assert ("ecs_insight_collection_last_success_timestamp_seconds", "ocp-icg-01", None) not in samples
    assert samples[("ecs_insight_collection_last_failure_timestamp_seconds", "ocp-icg-01", None)] > 0


def test_health_metrics_give_one_duration_series_per_scope(warehouse_engine: sa.Engine) -> None:
    """A scope with succeeded and failed runs exposes one duration sample, the sum over its runs."""
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from ecs_insight.health import registry_for

    engine = warehouse_engine
    w = Window(T0, T0 + timedelta(hours=1))
    runs.finish_run(engine, runs.start_run(engine, "synthetic", "ocp-cti-01", w), 10)
    runs.finish_run(engine, runs.start_run(engine, "synthetic", "ocp-cti-01", w), 0, error="refused")
    with engine.begin() as conn:  # give the runs known lengths: 30 s and 12 s
        conn.execute(sa.text("UPDATE collection_run SET finished_at = started_at + INTERVAL '30 seconds' "
                             "WHERE error IS NULL"))
        conn.execute(sa.text("UPDATE collection_run SET finished_at = started_at + INTERVAL '12 seconds' "
                             "WHERE error IS NOT NULL"))
    durations = [s for f in text_string_to_metric_families(generate_latest(registry_for(engine)).decode())
                 for s in f.samples if s.name == "ecs_insight_collection_duration_seconds_total"]
    assert [(s.labels["scope"], s.value) for s in durations] == [("ocp-cti-01", 42.0)]


def test_the_app_serves_health_metrics(warehouse_engine: sa.Engine) -> None:
    from dashboards import create_app
    from dashboards.config import DashboardConfig
    from ecs_insight.health import add_metrics_route

    engine = warehouse_engine
    runs.finish_run(engine, runs.start_run(engine, "prometheus", "ocp-cti-01", Window(T0, T0 + timedelta(hours=1))),
                    42)
    app = create_app(engine, DashboardConfig())
    add_metrics_route(app.server, engine)
    response = app.server.test_client().get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'ecs_insight_collection_rows_total{scope="ocp-cti-01",source="prometheus"} 42.0' in text


def test_late_data_is_picked_up_by_recollecting_the_last_hours(warehouse_engine: sa.Engine) -> None:
    """Logs shipped with a backlog land after their hour was collected: a source with
    recollect_hours collects those hours again on every run, replacing, never doubling."""
    engine = warehouse_engine
    schedule = SCHEDULE.model_copy(update={"recollect_hours": {"synthetic": 2}})
    now = T0 + timedelta(hours=10, minutes=3)
    end = T0 + timedelta(hours=9)
    assert plan(engine, "synthetic", schedule, now) == [Window(T0 + timedelta(hours=3), end)]
    late = Window(end - timedelta(hours=1), end)
    first = collect_incremental(engine, FlakySource(late, cluster="ocp-icg-01"), schedule, slice_hours=1, now=now)
    assert first.failures  # the late hour is missing for now (the source cannot serve it yet)
    rows = table_rows(engine)
    # Later in the same hour nothing new is complete, yet the last two hours are collected again.
    assert plan(engine, "synthetic", schedule, now + timedelta(minutes=1)) == [Window(end - timedelta(hours=2), end)]
    again = collect_incremental(engine, FlakySource(), schedule, slice_hours=1, now=now + timedelta(minutes=1))
    assert not again.failures and T0 + timedelta(hours=8) in hours_stored(engine, "ocp-icg-01")
    truth = ESTATE.truth.row_counts(Window(T0 + timedelta(hours=3), end))
    assert table_rows(engine) == {name: truth.get(name, 0) for name in rows}
    # Without the setting, a run in the same hour has nothing to do.
    assert plan(engine, "synthetic", SCHEDULE, now + timedelta(minutes=1)) == []


def table_rows(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for name, t in FACT_TABLES.items()}
