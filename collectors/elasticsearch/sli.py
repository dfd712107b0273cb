"""Log-based SLIs: good and total requests per 5-minute UTC bucket for one configured service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collectors.elasticsearch.config import MS_PER_UNIT, Fields, SliQuery
from collectors.elasticsearch.volume import base_filters
from common.errors import DataError
from common.windows import Window

BUCKET_MINUTES = 5


@dataclass(frozen=True)
class SliRow:
    bucket_start: datetime
    good: int
    total: int


def good_filter(sli: SliQuery, fields: Fields) -> dict[str, Any]:
    """The query that tells a good request from a bad one."""
    if sli.good_status_below is not None:
        return {"range": {fields.http_status: {"lt": sli.good_status_below}}}
    if sli.latency_threshold_ms is not None:
        return {"range": {fields.latency: {"lte": sli.latency_threshold_ms / MS_PER_UNIT[fields.latency_unit]}}}
    assert sli.good_query is not None
    return dict(sli.good_query)


def sli_body(sli: SliQuery, fields: Fields, window: Window, cluster: str | None) -> dict[str, Any]:
    filters = base_filters(fields, window, cluster)
    filters.append({"term": {fields.namespace: sli.namespace}})
    filters.extend({"term": {field: value}} for field, value in sorted(sli.match.items()))
    if sli.query is not None:
        filters.append(dict(sli.query))
    return {"size": 0, "track_total_hits": False, "query": {"bool": {"filter": filters}},
            "aggs": {"buckets": {
                "date_histogram": {"field": fields.timestamp, "fixed_interval": f"{BUCKET_MINUTES}m",
                                   "time_zone": "UTC", "min_doc_count": 1},
                "aggs": {"good": {"filter": good_filter(sli, fields)}}}}}


def parse_sli(response: Mapping[str, Any], window: Window) -> list[SliRow]:
    """Buckets with requests; DataError names the part of the response that is wrong."""
    aggs = response.get("aggregations")
    agg = aggs.get("buckets") if isinstance(aggs, Mapping) else None
    buckets = agg.get("buckets") if isinstance(agg, Mapping) else None
    if not isinstance(buckets, list):
        raise DataError("malformed response: no aggregations.buckets.buckets list")
    rows = []
    for i, b in enumerate(buckets):
        where = f"aggregations.buckets.buckets[{i}]"
        if not isinstance(b, Mapping):
            raise DataError(f"malformed response: {where} is not an object")
        key, total, good = b.get("key"), b.get("doc_count"), (b.get("good") or {}).get("doc_count")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (key, total, good)):
            raise DataError(f"malformed response: {where} needs integer key, doc_count and good.doc_count")
        start = datetime.fromtimestamp(key / 1000, UTC).replace(tzinfo=None)
        if start.minute % BUCKET_MINUTES or start.second or not (window.start <= start < window.end):
            raise DataError(f"malformed response: {where} bucket {start} is not a 5-minute bucket in "
                            f"[{window.start}, {window.end})")
        if not 0 <= good <= total:
            raise DataError(f"malformed response: {where} has {good} good of {total} requests")
        if total:
            rows.append(SliRow(start, good, total))
    return rows
