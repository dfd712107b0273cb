"""Prometheus collection: queries, points per second and seconds per cluster-day on a real Prometheus.

The simulated estate's clusters are backfilled into one Prometheus (a cluster label on every series,
as a Thanos Querier shows them). Measured: the collector's fixed query set per cluster and chunk.
Baseline, same process, same server and window: the per-workload pattern of rightsizing tools, a
query set per workload (CPU increase, working set, requests, limits, running samples, each selecting
the workload's pods by name), with the same concurrency and retries.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.prometheus_server import Server, backfill, require_binaries
from collectors.prometheus import PrometheusCollector, PrometheusSourceConfig, QueryRunner, QueryStats, connect
from collectors.prometheus.config import Endpoint
from collectors.prometheus.queries import CONTAINERS
from collectors.synthetic import EstateConfig, SyntheticEstate
from collectors.synthetic.openmetrics import write_estate_openmetrics
from common.windows import Window

# (hours collected, sample step in seconds) per profile; the estate's clusters and pods are the profile's.
SHAPES = {"tiny": (2, 60), "demo": (6, 300), "enterprise": (6, 300)}
OFFSET_HOURS = 24 * 7 + 10  # a weekday morning of the second week
CONCURRENCY = 4

_PER_WORKLOAD = (
    "sum by (pod, container) (increase(container_cpu_usage_seconds_total{{{s},{c}}}[1h]))",
    "sum by (pod, container) (sum_over_time(container_memory_working_set_bytes{{{s},{c}}}[3599s]))",
    'max by (pod, container, resource) (avg_over_time(kube_pod_container_resource_requests{{{s}}}[3599s]))',
    'max by (pod, container, resource) (avg_over_time(kube_pod_container_resource_limits{{{s}}}[3599s]))',
    'sum by (pod) (sum_over_time(kube_pod_status_phase{{{s},phase="Running"}}[3599s]))',
)


def _baseline(url: str, workloads: list[tuple[str, str, str]], window: Window) -> tuple[float, QueryStats]:
    stats = QueryStats()
    runner = QueryRunner(connect(Endpoint(url=url), 120), url, timeout_seconds=120, retries=4, backoff_seconds=1,
                         stats=stats)

    def one(item: tuple[str, str, str], template: str) -> int:
        cluster, ns, name = item
        sel = f'cluster="{cluster}",namespace="{ns}",pod=~"{name}-.*"'
        start = window.start + timedelta(seconds=3599 if "3599s" in template else 3600)
        return len(runner.range(template.format(s=sel, c=CONTAINERS), start, start + window.duration - timedelta(
            hours=1), 3600))

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda args: one(*args), [(w, t) for w in workloads for t in _PER_WORKLOAD]))
    return time.perf_counter() - started, stats


def run(profile: str = "demo", **_: Any) -> dict[str, Any]:
    require_binaries()
    hours, step = SHAPES.get(profile, SHAPES["demo"])
    estate = SyntheticEstate(EstateConfig(profile=profile if profile in SHAPES else "demo"))
    offset = min(OFFSET_HOURS, estate.window.hours() - hours - 14)  # tiny has three days
    start = estate.window.start + timedelta(hours=offset)
    window = Window(start, start + timedelta(hours=hours))
    dims = estate.dimensions()
    clusters = sorted(dims["cluster"]["cluster_id"])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = root / "estate.om"
        with text.open("w", encoding="utf-8") as fh:
            written = write_estate_openmetrics(fh, estate, window, step_seconds=step)
        backfill_seconds = backfill(text, root / "data")
        text.unlink()
        server = Server(root / "data", root)
        try:
            cfg = PrometheusSourceConfig(thanos={"url": server.url, "clusters": clusters}, scrape_interval_seconds=step,
                                         concurrency=CONCURRENCY)
            collector = PrometheusCollector(cfg)
            t0 = time.perf_counter()
            batches = list(collector.collect(window))
            seconds = time.perf_counter() - t0
            pods = sum(len(b.frame) for b in batches if getattr(b, "table", "") == "pod_usage_hourly")
            workloads = list(zip(dims["workload"]["cluster_id"], dims["workload"]["namespace"],
                                 dims["workload"]["workload"], strict=True))
            base_seconds, base = _baseline(server.url, workloads, window)
        finally:
            server.stop()
    cluster_days = len(clusters) * hours / 24
    return {
        "bench": "collect-prometheus", "profile": profile, "seconds": round(seconds, 3),
        "baseline": "per-workload query set (5 range queries per workload), same server, window and concurrency",
        "baseline_seconds": round(base_seconds, 3),
        "clusters": len(clusters), "hours": hours, "step_seconds": step, "workloads": len(workloads),
        "pods": round(pods / hours), "pod_hours": pods,
        "samples_loaded": written.samples, "backfill_seconds": round(backfill_seconds, 1),
        "queries": collector.stats.queries, "baseline_queries": base.queries,
        "query_ratio": round(base.queries / max(collector.stats.queries, 1), 1),
        "speedup": round(base_seconds / seconds, 2) if seconds else None,
        "points": collector.stats.points,
        "points_per_second": round(collector.stats.points / seconds) if seconds else None,
        "seconds_per_cluster_day": round(seconds / cluster_days, 3),
        "baseline_seconds_per_cluster_day": round(base_seconds / cluster_days, 3),
    }
