"""The Elasticsearch collector: per cluster, log volume per namespace-hour and log-based SLIs per 5 minutes.

A cluster's batches are yielded only when all of its searches for the window succeeded, so a
cluster is either complete or reported as a ScopeFailure (its run fails with the error text and its
stored rows stay as they were). Partial results (failed shards, a server-side timeout) count as a
transient failure of that cluster rather than short counts: the next run of the window refills it.
Every cluster yields both tables, empty frames included, so re-collection clears rows that are gone.

Before its searches a cluster's indices are asked for its earliest document (retention.py): a
pattern that matches no index or a window whose logs were deleted fails the cluster, and a window
that starts before the earliest document is collected (and its batches scoped) from that hour on,
so stored figures are never replaced by the absence of logs. SLI queries on other indices (access
logs) get the same check, and their batch its own window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pandas as pd
from elasticsearch import Elasticsearch

from collectors.base import Batch, ScopeFailure
from collectors.elasticsearch.client import Searcher, SearchRefused, build_client
from collectors.elasticsearch.config import ClusterIndices, ElasticsearchSourceConfig, Fields, SliQuery
from collectors.elasticsearch.retention import (
    LogsExpired,
    NoIndexMatched,
    collectable,
    earliest_body,
    matched_no_index,
    parse_earliest,
)
from collectors.elasticsearch.sli import parse_sli, sli_body
from collectors.elasticsearch.volume import (
    VolumeRow,
    composite_body,
    merge_rows,
    parse_composite,
    parse_terms,
    terms_body,
)
from common.errors import ConfigError, DataError, InsightError
from common.windows import Window

log = logging.getLogger(__name__)

SOURCE = "elasticsearch"
VOLUME_COLUMNS = ["hour", "source", "cluster_id", "namespace", "documents", "bytes", "error_documents",
                  "warning_documents"]
SLI_COLUMNS = ["bucket_start", "source", "cluster_id", "namespace", "service", "sli", "good_events", "total_events"]
MAX_PAGES = 100_000  # a server that keeps answering with the same page must not loop forever


def _composite_missing(exc: SearchRefused) -> bool:
    return exc.status == 400 and "composite" in exc.reason.lower()


class ElasticsearchCollector:
    """Collects the configured clusters from one Elasticsearch deployment through an injected client."""

    source = SOURCE

    def __init__(self, config: ElasticsearchSourceConfig, searcher: Searcher) -> None:
        self.config = config
        self.fields: Fields = config.fields.resolved()
        self.searcher = searcher
        self.paging = config.paging

    def collect(self, window: Window) -> Iterator[Batch | ScopeFailure]:
        if not window.whole_hours():
            raise ConfigError(f"the Elasticsearch source collects whole hours only, got [{window.start}, "
                              f"{window.end})", source=SOURCE)
        for cluster in self.config.clusters:
            try:
                held = self._held(cluster, window)
                volume = self._volume(cluster, held)
                sli_held = self._sli_held(cluster, held)
                slis = self._slis(cluster, sli_held)
            except InsightError as exc:
                yield ScopeFailure(SOURCE, cluster.cluster_id, window, exc)
                continue
            if held != window:
                log.warning("%s: logs before %s are no longer in Elasticsearch; [%s, %s) keeps its stored "
                            "figures", cluster.cluster_id, held.start, window.start, held.start)
            # Batches cover only the hours held: each replaces exactly its own window, the hours before
            # stay as stored. The job still records the run for the whole window it was asked for.
            yield Batch("log_volume_hourly", SOURCE, cluster.cluster_id, held, volume)
            yield Batch("sli_5m", SOURCE, cluster.cluster_id, sli_held, slis)

    # ----------------------------------------------------------------------- retention

    def _held(self, cluster: ClusterIndices, window: Window, sli: bool = False) -> Window:
        """The part of ``window`` the cluster's indices still hold (one search); errors keep stored rows."""
        index = self.config.sli_indices(cluster) if sli else self.config.indices(cluster)
        cluster_filter = self._cluster_filter(cluster, sli)
        response = self._search(index, earliest_body(self.fields, cluster_filter),
                                what=f"earliest {'access ' if sli else ''}log document", cluster=cluster.cluster_id)
        earliest = parse_earliest(response)
        if earliest is None:
            why = "its logs aged out" if cluster_filter is None else (
                f"its logs aged out, or {self.fields.cluster} does not hold {cluster.cluster_id!r} in its documents")
            raise LogsExpired(f"the indices {index} hold no document of cluster {cluster.cluster_id}: {why}; "
                              "stored figures kept", cluster=cluster.cluster_id, index=index)
        return collectable(cluster.cluster_id, window, earliest, index)

    def _sli_held(self, cluster: ClusterIndices, held: Window) -> Window:
        """The part of ``held`` the access-log indices still hold: they may be kept for less time than
        the container logs. One more search, only for a cluster with SLI queries on other indices."""
        if not self._sli_queries(cluster) or self.config.sli_indices(cluster) == self.config.indices(cluster):
            return held
        return self._held(cluster, held, sli=True)

    def _sli_queries(self, cluster: ClusterIndices) -> list[SliQuery]:
        return [q for q in self.config.slis if not q.clusters or cluster.cluster_id in q.clusters]

    def _search(self, index: str, body: dict[str, Any], *, what: str, cluster: str) -> Mapping[str, Any]:
        """One search that fails when no index matched: an empty result there is not 'no logs'."""
        response = self.searcher.search(index, body, what=what, cluster=cluster)
        if matched_no_index(response):
            raise NoIndexMatched(f"{what}: no index matches {index} for cluster {cluster}; check the index "
                                 "pattern (sources.elasticsearch index_pattern / sli_index_pattern or the "
                                 "cluster's own), that the indices exist (GET _cat/indices/<pattern>) and that "
                                 "the role may read them; stored figures kept", cluster=cluster, index=index)
        return response

    # ----------------------------------------------------------------------- volume

    def _volume(self, cluster: ClusterIndices, window: Window) -> pd.DataFrame:
        rows: list[VolumeRow] = []
        for chunk in window.split(timedelta(hours=self.config.chunk_hours)):
            rows.extend(merge_rows(self._volume_chunk(cluster, chunk)).values())
        frame = pd.DataFrame([{
            "hour": r.hour, "source": SOURCE, "cluster_id": cluster.cluster_id, "namespace": r.namespace,
            "documents": r.documents, "bytes": r.bytes, "error_documents": r.errors, "warning_documents": r.warnings,
        } for r in rows], columns=VOLUME_COLUMNS)
        frame["bytes"] = frame["bytes"].astype("Int64")
        frame["hour"] = frame["hour"].astype("datetime64[ns]")
        return frame.sort_values(["hour", "namespace"], ignore_index=True)

    def _volume_chunk(self, cluster: ClusterIndices, chunk: Window) -> list[VolumeRow]:
        if self.paging in ("auto", "composite"):
            try:
                return self._composite(cluster, chunk)
            except SearchRefused as exc:
                if self.paging == "composite" or not _composite_missing(exc):
                    raise
                log.info("the server has no composite aggregation (%s); paging namespaces with terms", exc.reason)
                self.paging = "terms"
        return self._terms(cluster, chunk)

    def _cluster_filter(self, cluster: ClusterIndices, sli: bool = False) -> str | None:
        return cluster.cluster_id if self.config.filters_on_cluster_field(cluster, sli) else None

    def _composite(self, cluster: ClusterIndices, chunk: Window) -> list[VolumeRow]:
        index = self.config.indices(cluster)
        rows: list[VolumeRow] = []
        after = None
        for _ in range(MAX_PAGES):
            body = composite_body(self.fields, chunk, self._cluster_filter(cluster), self.config.page_size, after)
            response = self._search(index, body, what="log volume (composite page)", cluster=cluster.cluster_id)
            page, nxt = parse_composite(response, self.fields, chunk)
            rows.extend(page)
            if nxt is None or len(page) < self.config.page_size:
                return rows
            if nxt == after:
                raise DataError("composite paging did not advance: the server returned the same after_key",
                                cluster=cluster.cluster_id, index=index)
            after = nxt
        raise DataError(f"more than {MAX_PAGES} composite pages", cluster=cluster.cluster_id, index=index)

    def _terms(self, cluster: ClusterIndices, chunk: Window) -> list[VolumeRow]:
        index = self.config.indices(cluster)
        # Buckets of one page: namespaces x hours x (the hour + its counted level values).
        per_hour = 1 + len(self.fields.error_levels) + len(self.fields.warning_levels)
        per_page = max(1, min(self.config.page_size, self.config.max_buckets // (max(1, chunk.hours()) * per_hour)))
        rows: list[VolumeRow] = []
        after: str | None = None
        for _ in range(MAX_PAGES):
            body = terms_body(self.fields, chunk, self._cluster_filter(cluster), per_page, after)
            response = self._search(index, body, what="log volume (terms page)", cluster=cluster.cluster_id)
            page, names, left = parse_terms(response, self.fields, chunk)
            rows.extend(page)
            if len(names) < per_page or left == 0:
                return rows
            if after is not None and names[0] <= after:
                raise DataError(f"terms paging did not advance past namespace {after!r}: the server ignored "
                                "the range filter on the namespace field", cluster=cluster.cluster_id, index=index)
            after = names[-1]
        raise DataError(f"more than {MAX_PAGES} terms pages", cluster=cluster.cluster_id, index=index)

    # ----------------------------------------------------------------------- SLIs

    def _slis(self, cluster: ClusterIndices, window: Window) -> pd.DataFrame:
        records = []
        index = self.config.sli_indices(cluster)
        for sli in self._sli_queries(cluster):
            for chunk in window.split(timedelta(hours=self.config.chunk_hours)):
                body = sli_body(sli, self.fields, chunk, self._cluster_filter(cluster, sli=True))
                response = self._search(index, body, what=f"SLI {sli.namespace}/{sli.service} {sli.sli}",
                                        cluster=cluster.cluster_id)
                records.extend({
                    "bucket_start": r.bucket_start, "source": SOURCE, "cluster_id": cluster.cluster_id,
                    "namespace": sli.namespace, "service": sli.service, "sli": sli.sli, "good_events": r.good,
                    "total_events": r.total,
                } for r in parse_sli(response, chunk))
        frame = pd.DataFrame(records, columns=SLI_COLUMNS)
        frame["bucket_start"] = frame["bucket_start"].astype("datetime64[ns]")
        return frame.sort_values(["bucket_start", "namespace", "service", "sli"], ignore_index=True)


def make_collector(config: ElasticsearchSourceConfig, client: Elasticsearch | None = None) -> ElasticsearchCollector:
    """The collector of ``config``, on ``client`` or on a client built from the settings."""
    return ElasticsearchCollector(config, Searcher(client if client is not None else build_client(config), config))
