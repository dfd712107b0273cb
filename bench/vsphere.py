"""vSphere collection: entities and samples per second and SOAP round trips against a simulated vCenter.

The collector reads the inventory in a few calls and packs QueryPerf requests up to the 256
entity-metrics cap. Baseline, same process, same vCenter and window: the same collector issuing one
QueryPerf call per entity (what a straightforward per-VM loop does).

On loopback a round trip to vcsim costs well under a millisecond, so the two runs are also timed
through a proxy that adds ``LATENCY_MS`` per request (a vCenter across a data-centre network; a real
vCenter's own per-call work on historical statistics comes on top).
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from collectors.vsphere.collector import VSphereCollector
from collectors.vsphere.config import VCenterConfig, VSphereConfig
from collectors.vsphere.events import EVENT_CALLS
from collectors.vsphere.perf import now_utc
from common.windows import Window, floor_hour
from testbed.proxies import LatencyProxy
from testbed.vcsim import VcsimServer, start_vcsim

# (clusters, hosts per cluster, VMs per cluster, datastores) per profile.
SHAPES = {"tiny": (2, 2, 25, 2), "demo": (5, 4, 100, 4), "enterprise": (10, 8, 200, 8)}
HOURS = 1
LATENCY_MS = 5


def _collector(server: VcsimServer, per_entity: bool, port: int | None = None) -> VSphereCollector:
    vc = VCenterConfig(name="bench", host=server.host, port=port or server.port, username=server.username,
                       password=SecretStr(server.password), ca_bundle=server.cert)
    return VSphereCollector(VSphereConfig(vcenters=[vc]), per_entity_queries=per_entity)


def _collect(collector: VSphereCollector, window: Window) -> tuple[float, Any, int]:
    vc = collector.config.vcenters[0]
    start = time.perf_counter()
    batches = collector.collect_vcenter(vc, window)
    seconds = time.perf_counter() - start
    rows = sum(len(b.frame) for b in batches if b.table.endswith("_hourly"))
    return seconds, collector.stats["bench"], rows


def run(profile: str = "demo", **_: Any) -> dict[str, Any]:
    clusters, hosts, vms, datastores = SHAPES.get(profile, SHAPES["demo"])
    end = floor_hour(now_utc())
    window = Window(end - timedelta(hours=HOURS), end)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_vcsim(Path(tmp), clusters=clusters, cluster_hosts=hosts, standalone_hosts=0,
                             vms_per_pool=vms, datastores=datastores)
        try:
            batched, per_entity = _collector(server, False), _collector(server, True)
            # Warm-up of both: the counter catalogue is read once per vCenter by a long-running collector.
            _collect(batched, window)
            _collect(per_entity, window)
            seconds, stats, rows = _collect(batched, window)
            base_seconds, base, base_rows = _collect(per_entity, window)
            with LatencyProxy((server.host, server.port), LATENCY_MS / 1000) as proxy:
                far_batched = _collector(server, False, proxy.port)
                far_per_entity = _collector(server, True, proxy.port)
                _collect(far_batched, window)
                _collect(far_per_entity, window)
                far_seconds, far, _ = _collect(far_batched, window)
                far_base_seconds, far_base, _ = _collect(far_per_entity, window)
        finally:
            server.stop()
    if rows != base_rows:
        raise RuntimeError(f"batched and per-entity collection disagree: {rows} vs {base_rows} rows")
    return {
        "bench": "collect-vsphere",
        "profile": profile,
        "seconds": round(seconds, 3),
        "baseline": "the same collection with one QueryPerf call per entity, same vCenter and window",
        "baseline_seconds": round(base_seconds, 3),
        "vms": server.vms,
        "hosts": server.hosts,
        "datastores": datastores,
        "hours": HOURS,
        "interval_seconds": stats.interval,
        "entities": stats.entities,
        "samples": stats.samples,
        "fact_rows": rows,
        "round_trips": stats.round_trips,
        "baseline_round_trips": base.round_trips,
        "query_calls": stats.query_calls,
        "baseline_query_calls": base.query_calls,
        "entities_per_s": round(stats.entities / seconds),
        "samples_per_s": round(stats.samples / seconds),
        "baseline_entities_per_s": round(base.entities / base_seconds),
        "baseline_samples_per_s": round(base.samples / base_seconds),
        "round_trip_ratio": round(base.round_trips / stats.round_trips, 1),
        "speedup": round(base_seconds / seconds, 1),
        # The two runs differ only in how QueryPerf is called; the inventory read is the same in both.
        "query_seconds": round(stats.query_seconds, 3),
        "baseline_query_seconds": round(base.query_seconds, 3),
        "query_speedup": round(base.query_seconds / stats.query_seconds, 1),
        "inventory_seconds": round(stats.inventory_seconds, 3),
        # Reading the VM migration events that place VM-hours on hosts (none moved in the simulator).
        "event_seconds": round(stats.event_seconds, 3),
        "event_round_trips": sum(stats.by_method[m] for m in EVENT_CALLS),
        "max_metrics_per_call": max(stats.query_metrics),
        "latency_ms": LATENCY_MS,
        "seconds_at_latency": round(far_seconds, 3),
        "baseline_seconds_at_latency": round(far_base_seconds, 3),
        "speedup_at_latency": round(far_base_seconds / far_seconds, 1),
        "query_speedup_at_latency": round(far_base.query_seconds / far.query_seconds, 1),
        "entities_per_s_at_latency": round(far.entities / far_seconds),
        "samples_per_s_at_latency": round(far.samples / far_seconds),
    }
