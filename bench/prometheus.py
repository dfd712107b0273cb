"""Prometheus collection: queries, points per second and seconds per cluster-day on a real Prometheus.

The simulated estate's clusters are backfilled into one Prometheus (a cluster label on every series,
as a Thanos Querier shows them). Measured: the collector's fixed query set per cluster and chunk.
Baseline, same process, same server and window: the per-workload pattern of rightsizing tools, the
same per-container and per-pod queries sent once per workload (selecting its pods by name), the same
reduction, and the same concurrency and retries. Both must give identical facts.
"""

from __future__ import annotations

import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from collectors.base import Batch
from collectors.prometheus import PrometheusCollector, PrometheusSourceConfig
from common.windows import Window
from estate import EstateConfig, SyntheticEstate
from testbed.formats.openmetrics import write_estate_openmetrics
from testbed.prometheus import create_blocks, require_binaries, start_prometheus

# (hours collected, sample step in seconds) per profile; the estate's clusters and pods are the profile's.
SHAPES = {"tiny": (2, 60), "demo": (6, 300), "enterprise": (6, 300)}
OFFSET_HOURS = 24 * 7 + 10  # a weekday morning of the second week
CONCURRENCY = 4



def _workload_matchers(estate: SyntheticEstate, window: Window) -> dict[str, list[dict[str, str]]]:
    """Per cluster, one matcher set per workload selecting its pods by exact name (as a per-workload
    tool does after listing the workload's pods)."""
    out: dict[str, list[dict[str, str]]] = {}
    for batch in estate.collect(window, tables=["pod_usage_hourly"]):
        pods = batch.frame.drop_duplicates(["namespace", "workload", "pod"])
        for (ns, _), group in pods.groupby(["namespace", "workload"]):
            names = "|".join(re.escape(p) for p in sorted(group["pod"]))
            out.setdefault(batch.scope, []).append({"namespace": ns, "pod=~": names})
    return out


def _timed(collector: PrometheusCollector, window: Window) -> tuple[float, dict[str, pd.DataFrame]]:
    started = time.perf_counter()
    batches = [b for b in collector.collect(window) if isinstance(b, Batch)]
    seconds = time.perf_counter() - started
    facts = {}
    for table in ("pod_usage_hourly", "container_usage_hourly", "node_hourly", "pvc_hourly"):
        frames = [b.frame for b in batches if b.table == table]
        keys = [c for c in ("cluster_id", "namespace", "pod", "container", "node", "pvc", "hour") if c in frames[0]]
        facts[table] = pd.concat(frames, ignore_index=True).sort_values(keys).reset_index(drop=True)
    return seconds, facts


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
        backfill_seconds = create_blocks(text, root / "data", timeout=None).seconds
        text.unlink()
        server = start_prometheus(root / "data", root, timeout=60)
        try:
            cfg = PrometheusSourceConfig(thanos={"url": server.url, "clusters": clusters}, scrape_interval_seconds=step,
                                         concurrency=CONCURRENCY)
            collector = PrometheusCollector(cfg)
            seconds, facts = _timed(collector, window)
            split = _workload_matchers(estate, window)
            baseline = PrometheusCollector(cfg, per_workload=lambda cluster: split.get(cluster, []))
            base_seconds, base_facts = _timed(baseline, window)
        finally:
            server.stop()
    # Both patterns must collect the same facts, or the comparison means nothing.
    for table, frame in facts.items():
        pd.testing.assert_frame_equal(frame, base_facts[table], check_dtype=False, rtol=1e-9)
    pods = len(facts["pod_usage_hourly"])
    workloads = sum(len(v) for v in split.values())
    cluster_days = len(clusters) * hours / 24
    stats, base = collector.stats, baseline.stats
    return {
        "bench": "collect-prometheus", "profile": profile, "seconds": round(seconds, 3),
        "baseline": "the same facts with the per-pod queries sent once per workload (its pods by name), "
                    "same server, window and concurrency",
        "baseline_seconds": round(base_seconds, 3),
        "clusters": len(clusters), "hours": hours, "step_seconds": step, "workloads": workloads,
        "pods": round(pods / hours), "pod_hours": pods,
        "samples_loaded": written.samples, "backfill_seconds": round(backfill_seconds, 1),
        "queries": stats.queries, "baseline_queries": base.queries,
        "query_ratio": round(base.queries / max(stats.queries, 1), 1),
        "speedup": round(base_seconds / seconds, 2) if seconds else None,
        "points": stats.points, "samples_per_second": round(stats.points / seconds) if seconds else None,
        "seconds_per_cluster_day": round(seconds / cluster_days, 3),
        "baseline_seconds_per_cluster_day": round(base_seconds / cluster_days, 3),
    }
