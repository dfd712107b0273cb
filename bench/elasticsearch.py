"""Elasticsearch collection: log volume per namespace-hour by aggregation, on a real Elasticsearch-API server.

The simulated estate's container logs for a few hours of every cluster are bulk-loaded into noida-db
(the NDJSON writer's documents, the OpenShift logging model). Measured: the collector (aggregations,
paged by namespace; noida-db has no composite aggregation, so the terms pager runs). Baseline, same
process, same server and window: exporting every document (scroll, only the four fields needed) and
counting per cluster, namespace and hour on the client, as a log-export chargeback does. Both must
give the same rows.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from collectors.base import Batch
from collectors.elasticsearch.collector import make_collector
from collectors.elasticsearch.config import ElasticsearchSourceConfig
from common.windows import Window
from estate import EstateConfig, SyntheticEstate
from testbed.formats.ndjson import NDJSON_TABLES, bulk_actions, index_template, iter_documents
from testbed.noida import start_noida

HOURS = {"tiny": 6, "demo": 6, "enterprise": 3}
OFFSET_HOURS = 10  # a working-day morning
SCROLL_PAGE = 5000


def _baseline(client: Elasticsearch, clusters: list[str], window: Window) -> tuple[float, int, dict]:
    """Every document of the window exported with scroll and counted per (cluster, namespace, hour)."""
    counts: Counter[tuple[str, str, datetime]] = Counter()
    sizes: Counter[tuple[str, str, datetime]] = Counter()
    pages = 0
    started = time.perf_counter()
    for cluster in clusters:
        query = {"range": {"@timestamp": {"gte": window.start.isoformat() + "Z", "lt": window.end.isoformat() + "Z"}}}
        for i, hit in enumerate(helpers.scan(client, index=f"app-{cluster}-*,infra-{cluster}-*", query={"query": query},
                                             size=SCROLL_PAGE, _source=["@timestamp", "kubernetes.namespace_name",
                                                                         "level", "message_size"])):
            pages += i % SCROLL_PAGE == 0
            doc = hit["_source"]
            key = (cluster, doc["kubernetes"]["namespace_name"], datetime.strptime(doc["@timestamp"][:13],
                                                                                   "%Y-%m-%dT%H"))
            counts[key] += 1
            sizes[key] += doc["message_size"]
    rows = {k: (n, sizes[k]) for k, n in counts.items()}
    return time.perf_counter() - started, pages, rows


def run(profile: str = "demo", **_: Any) -> dict[str, Any]:
    hours = HOURS.get(profile, HOURS["demo"])
    estate = SyntheticEstate(EstateConfig(profile=profile if profile in HOURS else "demo"))
    start = estate.window.start + timedelta(hours=OFFSET_HOURS)
    window = Window(start, start + timedelta(hours=hours))
    clusters = sorted(estate.dimensions()["cluster"]["cluster_id"])
    with tempfile.TemporaryDirectory() as tmp:
        server = start_noida(Path(tmp) / "data", Path(tmp) / "noida.log")
        try:
            client = Elasticsearch(server.url, request_timeout=600)
            client.indices.put_index_template(name="openshift-logs", **index_template())
            t0 = time.perf_counter()
            batches: list[Batch] = list(estate.collect(window, tables=list(NDJSON_TABLES)))
            loaded, _ = helpers.bulk(client, bulk_actions(iter_documents(batches)), chunk_size=5000)
            client.indices.refresh(index="app-*,infra-*")
            load_seconds = time.perf_counter() - t0
            config = ElasticsearchSourceConfig(hosts=[server.url], clusters=clusters,
                                               fields={"preset": "openshift", "bytes": "message_size"})
            collector = make_collector(config, client=client)
            t0 = time.perf_counter()
            out = list(collector.collect(window))
            seconds = time.perf_counter() - t0
            base_seconds, base_pages, base_rows = _baseline(client, clusters, window)
            client.close()
        finally:
            server.stop()
    frames = [b.frame for b in out if isinstance(b, Batch) and b.table == "log_volume_hourly"]
    rows = {(f_c, ns, h.to_pydatetime()): (int(d), int(b)) for f in frames
            for f_c, ns, h, d, b in zip(f["cluster_id"], f["namespace"], f["hour"], f["documents"], f["bytes"],
                                        strict=True)}
    return {
        "bench": "collect-elasticsearch", "profile": profile, "seconds": round(seconds, 3),
        "baseline": "export every document with scroll (4 fields) and count per namespace-hour on the client",
        "baseline_seconds": round(base_seconds, 3),
        "clusters": len(clusters), "hours": hours, "documents": loaded, "rows": len(rows),
        "agree": rows == base_rows, "failures": sum(not isinstance(b, Batch) for b in out),
        "paging": collector.paging, "requests": collector.searcher.requests, "baseline_requests": base_pages,
        "speedup": round(base_seconds / seconds, 2) if seconds else None,
        "documents_per_second": round(loaded / seconds) if seconds else None,
        "load_seconds": round(load_seconds, 1),
    }
