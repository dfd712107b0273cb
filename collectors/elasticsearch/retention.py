"""What the cluster's indices still hold: a window is collected only where its logs are still there.

Searches skip missing indices (``ignore_unavailable``/``allow_no_indices``), so without this check an
index pattern with a typo, or a window older than the index retention (ILM deletes old daily
indices), comes back empty and the empty result would replace the stored figures. Per cluster and
window one small search asks for the earliest document the cluster's indices hold, and:

- no index matched the patterns (``_shards.total == 0``): the cluster fails (NoIndexMatched);
- indices matched but hold no document of the cluster: the cluster fails (LogsExpired): its logs
  aged out of shared indices, or the cluster filter does not match its documents;
- the window ends at or before the earliest document's hour: the cluster fails (LogsExpired);
- the window starts before that hour: only [hour of the earliest document, end) is collected, so
  the hours before keep what is stored;
- otherwise the whole window is collected (an hour without documents is a quiet hour: zero rows).

A cluster with SLI queries on other indices (access logs, often kept for less time) has those
indices checked the same way, and its SLI batch covers only the part they still hold.

The search is the first document sorted by the timestamp (``size: 1``), not a ``min`` aggregation:
- Elasticsearch answers a size-1 sort on a date field by skipping every block of documents that
  cannot come first (the sort optimisation, 7.6+), also under the cluster filter of shared indices,
  where a ``min`` aggregation reads every document of the cluster over the whole retention;
- noida-db (the Elasticsearch-API engine the tests run on) answers ``min`` on a date field with
  null, while the sorted hit works there as on Elasticsearch and OpenSearch.
``numeric_type: date`` makes the sort value epoch milliseconds for ``date_nanos`` fields too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.elasticsearch.config import Fields
from common.errors import DataError, PermanentError
from common.windows import Window, floor_hour


class NoIndexMatched(PermanentError):
    """No index matches the cluster's patterns; retrying finds none until the config or indices change."""


class LogsExpired(PermanentError):
    """The window's logs are no longer in Elasticsearch.

    Permanent, not a DataError: nothing is malformed, and retrying cannot bring deleted indices back
    (a snapshot restore would, and then a re-collection succeeds). Failing keeps the stored figures.
    """


def earliest_body(fields: Fields, cluster: str | None) -> dict[str, Any]:
    """The earliest document of the cluster (its id filtered when the indices are shared)."""
    query: dict[str, Any] = {"match_all": {}}
    if cluster is not None:
        query = {"bool": {"filter": [{"term": {fields.cluster: cluster}}]}}
    return {"size": 1, "track_total_hits": False, "_source": False, "query": query,
            "sort": [{fields.timestamp: {"order": "asc", "numeric_type": "date"}}]}


def matched_no_index(response: Mapping[str, Any]) -> bool:
    """True when the search ran on no shard at all: no index matched the patterns."""
    shards = response.get("_shards")
    return isinstance(shards, Mapping) and shards.get("total") == 0


def _epoch_ms(value: Any, where: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"malformed response: {where} is {value!r}, expected epoch milliseconds")
    return datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None)


def parse_earliest(response: Mapping[str, Any]) -> datetime | None:
    """The earliest document's time (naive UTC), or None when no document matched."""
    hits = (response.get("hits") or {}).get("hits") or []
    if not hits:
        return None
    sort = hits[0].get("sort") if isinstance(hits[0], Mapping) else None
    if not isinstance(sort, list) or not sort:
        raise DataError("malformed response: hits.hits[0] has no sort value (the earliest document's time)")
    return _epoch_ms(sort[0], "hits.hits[0].sort[0]")


def expired_message(cluster: str, window: Window, earliest: datetime) -> str:
    return (f"logs for [{window.start:%Y-%m-%d %H:%M}, {window.end:%Y-%m-%d %H:%M}) are no longer in "
            f"Elasticsearch: the earliest document of cluster {cluster} is at {earliest:%Y-%m-%d %H:%M:%S} "
            "UTC; stored figures kept")


def collectable(cluster: str, window: Window, earliest: datetime, index: str | None = None) -> Window:
    """The part of ``window`` the indices (``index``, named in the error) still hold; LogsExpired when
    none of it is."""
    first_hour = floor_hour(earliest)
    if window.end <= first_hour:
        raise LogsExpired(expired_message(cluster, window, earliest), cluster=cluster, index=index)
    if window.start < first_hour:
        return Window(first_hour, window.end)
    return window
