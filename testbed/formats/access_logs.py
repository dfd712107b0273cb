"""The estate's request SLIs as access-log documents (bulk actions), one document per request.

For each service and 5-minute bucket of the ``sli_5m`` rows the writer emits ``total_events``
access-log documents in the OpenShift logging model, the request parsed into ``structured``:

- ``structured.status``: ``total - good`` of the availability row's requests answer 5xx, the rest
  2xx/3xx/4xx, so "good = status < 500" over the service's documents gives the availability row;
- ``structured.duration_ms``: ``total - good`` of the latency row's requests take longer than
  ``latency_threshold_ms`` (at least 1.2 times it), the rest less (at most 0.95 times it), so
  "good = duration below the threshold" gives the latency row (all fast when there is none).

Which requests are slow and which fail is drawn independently with a seed from the row's key, so
the output is deterministic. Document ``i`` of ``n`` is stamped at ``bucket + (2i + 1) / 2n`` of the
5 minutes (millisecond precision), strictly inside its bucket. Documents go to their own indices
(``access-<cluster>-<date>`` by default), apart from the container logs of ``log_volume_hourly``, so
they never count as log volume.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

import numpy as np
import pandas as pd

from common.windows import HOUR, Window, floor_hour
from testbed.formats.batches import FactBatch
from testbed.formats.ndjson import EstateLike, LogDocument, stamp_ms, write_bulk

ACCESS_INDEX_PATTERN = "access-{cluster}-{date:%Y.%m.%d}"
DEFAULT_LATENCY_THRESHOLD_MS = 300.0
BUCKET_MS = 300_000
_GOOD_STATUSES = (200, 200, 200, 201, 204, 304, 200, 404)
_BAD_STATUSES = (500, 502, 503, 504)


@dataclass
class AccessLogStats:
    buckets: int = 0
    documents: int = 0
    seconds: float = 0.0
    documents_by_index: dict[str, int] = field(default_factory=dict)


def _requests(sli_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (namespace, service, bucket): total, failed and slow requests."""
    keys = ["namespace", "service", "bucket_start"]
    rows = sli_rows.assign(bad=sli_rows["total_events"] - sli_rows["good_events"])
    totals = rows.groupby(keys, sort=True)["total_events"].agg(["min", "max"])
    mixed = totals[totals["min"] != totals["max"]]
    if len(mixed):
        ns, svc, bucket = mixed.index[0]
        raise ValueError(f"sli_5m rows of service {ns}/{svc} at {bucket} disagree on total_events")
    wide = rows.pivot_table(index=keys, columns="sli", values="bad", aggfunc="sum", fill_value=0)
    out = pd.DataFrame({"total": totals["max"]}).join(wide, how="left").fillna(0)
    for sli in ("availability", "latency"):
        if sli not in out:
            out[sli] = 0
    return out.reset_index()


def _bucket_documents(cluster: str, ns: str, service: str, bucket: datetime, total: int, failed: int,
                      slow: int, pattern: str, threshold_ms: float, stats: AccessLogStats) -> Iterator[LogDocument]:
    if total <= 0:
        return
    bucket_key = int((bucket - datetime(1970, 1, 1)).total_seconds())
    rng = np.random.default_rng(zlib.crc32(f"{cluster}/{ns}/{service}/{bucket_key}".encode()))
    is_failed = np.zeros(total, dtype=bool)
    is_failed[rng.permutation(total)[:min(failed, total)]] = True
    is_slow = np.zeros(total, dtype=bool)
    is_slow[rng.permutation(total)[:min(slow, total)]] = True
    spread = rng.uniform(0.0, 1.0, total)
    duration = np.where(is_slow, threshold_ms * (1.2 + 2.0 * spread), threshold_ms * (0.05 + 0.9 * spread))
    index = pattern.format(cluster=cluster, date=bucket)
    stamp = bucket.strftime("%Y-%m-%dT%H:")
    stats.buckets += 1
    stats.documents += total
    stats.documents_by_index[index] = stats.documents_by_index.get(index, 0) + total
    for i in range(total):
        ts = stamp_ms(stamp, bucket.minute * 60_000 + ((2 * i + 1) * BUCKET_MS) // (2 * total))
        status = _BAD_STATUSES[i % len(_BAD_STATUSES)] if is_failed[i] else _GOOD_STATUSES[i % len(_GOOD_STATUSES)]
        took = round(float(duration[i]), 1)
        path = f"/api/v1/{service}/{i % 97}"
        yield LogDocument(index, f"{cluster}.{ns}.{service}.{bucket_key}.{i}", {
            "@timestamp": ts,
            "message": f'10.128.{i % 250}.{(i * 7) % 250} - - [{ts}] "GET {path} HTTP/1.1" {status} {took}ms',
            "level": "error" if status >= 500 else "info",
            "log_type": "application",
            "kubernetes": {"namespace_name": ns, "container_name": service, "labels": {"app": service}},
            "openshift": {"cluster_id": cluster},
            "structured": {"method": "GET", "path": path, "status": status, "duration_ms": took},
        })


def iter_access_documents(batches: Iterable[FactBatch], *, index_pattern: str = ACCESS_INDEX_PATTERN,
                          latency_threshold_ms: float = DEFAULT_LATENCY_THRESHOLD_MS,
                          clusters: Iterable[str] | None = None, window: Window | None = None,
                          stats: AccessLogStats | None = None) -> Iterator[LogDocument]:
    """Access-log documents of the ``sli_5m`` batches (only buckets starting in ``window`` if given)."""
    if latency_threshold_ms <= 0:
        raise ValueError(f"latency_threshold_ms must be positive, got {latency_threshold_ms}")
    stats = stats if stats is not None else AccessLogStats()
    wanted = set(clusters) if clusters is not None else None
    for b in batches:
        if b.table != "sli_5m" or b.frame.empty or (wanted is not None and b.scope not in wanted):
            continue
        frame = b.frame.assign(bucket_start=pd.to_datetime(b.frame["bucket_start"]))
        if window is not None:
            frame = frame[(frame["bucket_start"] >= window.start) & (frame["bucket_start"] < window.end)]
        for row in _requests(frame).to_dict("records"):
            yield from _bucket_documents(b.scope, str(row["namespace"]), str(row["service"]),
                                         row["bucket_start"].to_pydatetime().replace(tzinfo=None),
                                         int(row["total"]), int(row["availability"]), int(row["latency"]),
                                         index_pattern, latency_threshold_ms, stats)


def write_access_ndjson(out: IO[str], estate: EstateLike, window: Window, *,
                        index_pattern: str = ACCESS_INDEX_PATTERN,
                        latency_threshold_ms: float = DEFAULT_LATENCY_THRESHOLD_MS,
                        clusters: Iterable[str] | None = None) -> AccessLogStats:
    """Write bulk NDJSON (``create`` action, then the document) for the estate's requests in ``window``
    (any 5-minute-aligned window: the estate is asked for the whole hours around it)."""
    started = time.perf_counter()
    hours = Window(floor_hour(window.start), floor_hour(window.end - timedelta(microseconds=1)) + HOUR)
    stats = AccessLogStats()
    write_bulk(out, iter_access_documents(estate.collect(hours, tables=["sli_5m"]), index_pattern=index_pattern,
                                          latency_threshold_ms=latency_threshold_ms, clusters=clusters,
                                          window=window, stats=stats))
    stats.seconds = time.perf_counter() - started
    return stats

