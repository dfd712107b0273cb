"""The app's own health as Prometheus metrics, read from the collection runs at scrape time.

A custom collector (prometheus_client's one-method protocol) so every source is covered without
the collectors knowing about metrics, and the scheduler process and the web app expose the same.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from warehouse.runs import finished_run_totals

log = logging.getLogger(__name__)


class CollectionHealth(Collector):
    """Per source and scope: last successful collection, rows, errors, durations and window ends."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ecs_insight_warehouse_up", "1 when the warehouse answered this scrape.")
        try:
            rows = finished_run_totals(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            log.error("health metrics: warehouse unreadable: %s", exc)
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        labels = ["source", "scope"]
        runs = CounterMetricFamily("ecs_insight_collection_runs", "Finished collection runs.",
                                   labels=[*labels, "status"])
        loaded = CounterMetricFamily("ecs_insight_collection_rows", "Rows loaded by succeeded runs.", labels=labels)
        seconds = CounterMetricFamily("ecs_insight_collection_duration_seconds",
                                      "Wall time spent in finished runs.", labels=labels)
        last_ok = GaugeMetricFamily("ecs_insight_collection_last_success_timestamp_seconds",
                                    "When the latest succeeded run finished (Unix time).", labels=labels)
        watermark = GaugeMetricFamily("ecs_insight_collection_watermark_timestamp_seconds",
                                      "End of the latest window a succeeded run covered (Unix time).", labels=labels)
        last_fail = GaugeMetricFamily("ecs_insight_collection_last_failure_timestamp_seconds",
                                      "When the latest failed run finished (Unix time).", labels=labels)
        spent: dict[tuple[str, str], float] = {}  # one series per scope, whatever its runs' statuses
        for source, scope, status, count, nrows, secs, finished, window_end in rows:
            key = [source, scope]
            runs.add_metric([*key, status], float(count))
            spent[(source, scope)] = spent.get((source, scope), 0.0) + float(secs or 0.0)
            if status == "succeeded":
                loaded.add_metric(key, float(nrows or 0))
                last_ok.add_metric(key, _unix(finished))
                watermark.add_metric(key, _unix(window_end))
            elif status == "failed":
                last_fail.add_metric(key, _unix(finished))
        for (source, scope), total in spent.items():
            seconds.add_metric([source, scope], total)
        yield from (runs, loaded, seconds, last_ok, watermark, last_fail)


def _unix(ts: datetime) -> float:
    return (ts - datetime(1970, 1, 1)).total_seconds()


def registry_for(engine: sa.Engine) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CollectionHealth(engine))
    return registry


def add_metrics_route(flask_app: object, engine: sa.Engine) -> None:
    """Serve the health metrics at /metrics of the web app's Flask server."""
    from flask import Response
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    registry = registry_for(engine)

    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    flask_app.add_url_rule("/metrics", "ecs_insight_metrics", metrics)  # type: ignore[attr-defined]
