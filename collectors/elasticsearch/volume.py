"""Log volume per namespace and hour: the query bodies, the two ways of paging, and the parsing.

Both pagers ask for the same numbers per (namespace, hour) bucket: documents, documents whose level
is one of the configured error or warning values (exact keyword matches), and the sum of the size
field when there is one. Documents without a namespace (node journal and audit logs in OpenShift
logging) belong to no namespace and are not counted.

- composite: a composite aggregation (namespace terms x 1-hour UTC date_histogram), paged with
  ``after_key``; any number of namespaces, ``page_size`` buckets per request. Elasticsearch 7+.
- terms: a terms aggregation on the namespace ordered by name (exact counts in that order), with
  an hourly date_histogram below it; the next page adds a ``range gt <last namespace>`` filter on the
  namespace field. For servers without the composite aggregation (noida-db here; also what some
  Elasticsearch-API engines lack). Its ``include.partition`` alternative is not used: an engine that
  ignores ``include`` would silently return every namespace in every partition.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collectors.elasticsearch.config import Fields
from common.errors import DataError
from common.windows import Window


@dataclass(frozen=True)
class VolumeRow:
    namespace: str
    hour: datetime
    documents: int
    errors: int
    warnings: int
    bytes: int | None


def time_filter(fields: Fields, window: Window) -> dict[str, Any]:
    """[start, end) on the timestamp field, in explicit UTC (no date math left to the server's zone)."""
    return {"range": {fields.timestamp: {"gte": window.start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                         "lt": window.end.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                         "format": "strict_date_optional_time"}}}


def base_filters(fields: Fields, window: Window, cluster: str | None) -> list[dict[str, Any]]:
    filters = [time_filter(fields, window)]
    if cluster is not None:
        filters.append({"term": {fields.cluster: cluster}})
    return filters


LEVEL_BUCKETS = 100  # room for every level value where ``include`` is not honoured


def bucket_metrics(fields: Fields) -> dict[str, Any]:
    """Per bucket: documents per counted level value (one terms pass, cheaper than a filter per class)
    and the summed size."""
    levels = [*fields.error_levels, *fields.warning_levels]
    aggs: dict[str, Any] = {
        "levels": {"terms": {"field": fields.level, "include": levels, "size": max(LEVEL_BUCKETS, len(levels))}},
    }
    if fields.bytes is not None:
        aggs["bytes"] = {"sum": {"field": fields.bytes}}
    return aggs


def hourly(fields: Fields) -> dict[str, Any]:
    return {"field": fields.timestamp, "fixed_interval": "1h", "time_zone": "UTC"}


def composite_body(fields: Fields, window: Window, cluster: str | None, page_size: int,
                   after: Mapping[str, Any] | None = None) -> dict[str, Any]:
    composite: dict[str, Any] = {"size": page_size, "sources": [
        {"namespace": {"terms": {"field": fields.namespace}}},
        {"hour": {"date_histogram": hourly(fields)}},
    ]}
    if after is not None:
        composite["after"] = dict(after)
    return {"size": 0, "track_total_hits": False,
            "query": {"bool": {"filter": base_filters(fields, window, cluster)}},
            "aggs": {"volume": {"composite": composite, "aggs": bucket_metrics(fields)}}}


def terms_body(fields: Fields, window: Window, cluster: str | None, namespaces: int,
               after: str | None = None) -> dict[str, Any]:
    filters = base_filters(fields, window, cluster)
    if after is not None:
        filters.append({"range": {fields.namespace: {"gt": after}}})
    return {"size": 0, "track_total_hits": False, "query": {"bool": {"filter": filters}},
            "aggs": {"namespaces": {
                "terms": {"field": fields.namespace, "size": namespaces, "order": {"_key": "asc"}},
                "aggs": {"hours": {"date_histogram": {**hourly(fields), "min_doc_count": 1},
                                   "aggs": bucket_metrics(fields)}}}}}


# --------------------------------------------------------------------------- parsing


def _get(node: Any, key: str, where: str) -> Any:
    if not isinstance(node, Mapping) or key not in node:
        raise DataError(f"malformed response: {where} has no {key!r}")
    return node[key]


def _count(node: Any, where: str) -> int:
    value = _get(node, "doc_count", where)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise DataError(f"malformed response: {where}.doc_count is {value!r}, expected a count")
    return int(value)


def _hour(key: Any, window: Window, where: str) -> datetime:
    if isinstance(key, bool) or not isinstance(key, int | float):
        raise DataError(f"malformed response: {where} key is {key!r}, expected epoch milliseconds")
    hour = datetime.fromtimestamp(key / 1000, UTC).replace(tzinfo=None)
    if hour.minute or hour.second or hour.microsecond or not (window.start <= hour < window.end):
        raise DataError(f"malformed response: {where} hour {hour} is not a whole hour in "
                        f"[{window.start}, {window.end})")
    return hour


def _row(namespace: Any, hour: datetime, bucket: Mapping[str, Any], fields: Fields, where: str) -> VolumeRow:
    if not isinstance(namespace, str) or not namespace:
        raise DataError(f"malformed response: {where} namespace key is {namespace!r}, expected a name")
    size = None
    if fields.bytes is not None:
        value = _get(_get(bucket, "bytes", where), "value", f"{where}.bytes")
        if value is None:
            size = 0  # a sum over documents without the field
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise DataError(f"malformed response: {where}.bytes.value is {value!r}, expected a number")
        else:
            size = round(value)
    errors, warnings = _levels(_get(bucket, "levels", where), fields, f"{where}.levels")
    return VolumeRow(namespace, hour, _count(bucket, where), errors, warnings, size)


def _levels(agg: Any, fields: Fields, where: str) -> tuple[int, int]:
    """Error and warning documents from the level terms buckets (exact keyword values)."""
    buckets = _get(agg, "buckets", where)
    if not isinstance(buckets, list):
        raise DataError(f"malformed response: {where}.buckets is not a list")
    if (agg.get("sum_other_doc_count") or 0) > 0:
        raise DataError(f"malformed response: {where} left documents out (sum_other_doc_count > 0); the level "
                        "field has more values than one request returns")
    errors = warnings = 0
    for i, b in enumerate(buckets):
        n = _count(b, f"{where}.buckets[{i}]")
        key = _get(b, "key", f"{where}.buckets[{i}]")
        errors += n if key in fields.error_levels else 0
        warnings += n if key in fields.warning_levels else 0
    return errors, warnings


def parse_composite(response: Mapping[str, Any], fields: Fields, window: Window
                    ) -> tuple[list[VolumeRow], Mapping[str, Any] | None]:
    """Rows of one composite page and the ``after_key`` of the next (None at the end)."""
    agg = _get(_get(response, "aggregations", "response"), "volume", "aggregations")
    buckets = _get(agg, "buckets", "aggregations.volume")
    if not isinstance(buckets, list):
        raise DataError("malformed response: aggregations.volume.buckets is not a list")
    rows = []
    for i, bucket in enumerate(buckets):
        where = f"aggregations.volume.buckets[{i}]"
        key = _get(bucket, "key", where)
        rows.append(_row(_get(key, "namespace", f"{where}.key"), _hour(_get(key, "hour", f"{where}.key"), window,
                                                                        f"{where}.key.hour"), bucket, fields, where))
    after = agg.get("after_key") if buckets else None
    return rows, after


def parse_terms(response: Mapping[str, Any], fields: Fields, window: Window) -> tuple[list[VolumeRow], list[str], int]:
    """Rows of one terms page, the namespaces it covered, and the documents left after them."""
    agg = _get(_get(response, "aggregations", "response"), "namespaces", "aggregations")
    buckets = _get(agg, "buckets", "aggregations.namespaces")
    if not isinstance(buckets, list):
        raise DataError("malformed response: aggregations.namespaces.buckets is not a list")
    rows, names = [], []
    for i, ns_bucket in enumerate(buckets):
        where = f"aggregations.namespaces.buckets[{i}]"
        namespace = _get(ns_bucket, "key", where)
        names.append(namespace)
        hours = _get(_get(ns_bucket, "hours", where), "buckets", f"{where}.hours")
        for j, bucket in enumerate(hours):
            w = f"{where}.hours.buckets[{j}]"
            if _count(bucket, w):
                rows.append(_row(namespace, _hour(_get(bucket, "key", w), window, w), bucket, fields, w))
    if names != sorted(names):
        raise DataError("malformed response: namespaces are not in ascending order, so pages cannot be chained")
    left = agg.get("sum_other_doc_count", 0)
    return rows, names, int(left or 0)


def merge_rows(rows: Iterator[VolumeRow] | list[VolumeRow]) -> dict[tuple[str, datetime], VolumeRow]:
    """Rows by (namespace, hour); a pair seen twice means the paging went wrong."""
    out: dict[tuple[str, datetime], VolumeRow] = {}
    for row in rows:
        key = (row.namespace, row.hour)
        if key in out:
            raise DataError(f"namespace {row.namespace} hour {row.hour} came back twice while paging")
        out[key] = row
    return out
