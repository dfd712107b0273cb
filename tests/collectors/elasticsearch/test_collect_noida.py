"""The Elasticsearch collector against a real Elasticsearch-API server (noida-db) holding the estate's logs.

noida-db has no composite aggregation, so these tests exercise the terms pager (and the automatic
fall-back to it); the composite pager is tested on recorded Elasticsearch 8 responses in
test_responses.py.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from collectors.elasticsearch.client import SearchRefused
from collectors.elasticsearch.collector import make_collector
from collectors.elasticsearch.config import SliQuery
from common.errors import ConfigError
from common.windows import Window
from ingest import collect_window
from tests.collectors.conftest import ElasticsearchEstate
from tests.collectors.elasticsearch.conftest import (
    LATENCY_THRESHOLD_MS,
    AccessLogs,
    source_config,
    volume_figures,
    volume_truth,
)
from warehouse.runs import recent_runs
from warehouse.schema import log_volume_hourly, sli_5m

SLI_KEY = ["cluster_id", "namespace", "service", "sli", "bucket_start"]


def collected(batches: list[Batch | ScopeFailure], table: str) -> pd.DataFrame:
    frames = [b.frame for b in batches if isinstance(b, Batch) and b.table == table]
    return pd.concat(frames, ignore_index=True)


def sli_queries(access: AccessLogs) -> list[SliQuery]:
    """One SLI query per (service, sli) of the estate: availability by status, latency by duration."""
    services = access.es.slice.estate.truth.services()
    services = services[services["cluster_id"].isin(access.es.slice.clusters)]
    queries = []
    for (ns, svc, sli), group in services.groupby(["namespace", "service", "sli"]):
        good = {"good_status_below": 500} if sli == "availability" else {"latency_threshold_ms": LATENCY_THRESHOLD_MS}
        queries.append(SliQuery(namespace=ns, service=svc, sli=sli, clusters=sorted(group["cluster_id"]),
                                match={"kubernetes.labels.app": svc}, **good))
    return queries


def test_volume_per_namespace_hour_equals_the_truth(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    assert es.written.inexact_rows == 0  # every row's messages sum to its bytes exactly
    collector = make_collector(source_config(es.slice.clusters), client=es.client)
    batches = list(collector.collect(es.slice.window))
    assert [(b.table, b.scope) for b in batches] == [
        (t, c) for c in es.slice.clusters for t in ("log_volume_hourly", "sli_5m")]
    assert collector.paging == "terms"  # noida-db refused the composite aggregation; auto fell back
    got = collected(batches, "log_volume_hourly")
    assert (got["source"] == "elasticsearch").all()
    pd.testing.assert_frame_equal(volume_figures(got), volume_truth(es))
    assert len(got["cluster_id"].unique()) == 2


def test_paging_over_more_namespaces_than_one_page(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    collector = make_collector(source_config(es.slice.clusters, paging="terms", page_size=2), client=es.client)
    before = collector.searcher.requests
    got = collected(list(collector.collect(es.slice.window)), "log_volume_hourly")
    truth = volume_truth(es)
    namespaces = truth.reset_index().groupby("cluster_id")["namespace"].nunique()
    assert (namespaces > 4).all()
    # ceil(n / 2) pages per cluster, plus one empty page when n is even
    assert collector.searcher.requests - before >= sum(-(-n // 2) for n in namespaces)
    pd.testing.assert_frame_equal(volume_figures(got), truth)


def test_small_chunks_and_a_single_shared_index_pattern(elasticsearch_estate: ElasticsearchEstate) -> None:
    """One pattern for all clusters (documents told apart by openshift.cluster_id), one hour per search."""
    es = elasticsearch_estate
    config = source_config(es.slice.clusters, index_pattern="app-*,infra-*", chunk_hours=1, page_size=1000)
    got = collected(list(make_collector(config, client=es.client).collect(es.slice.window)), "log_volume_hourly")
    pd.testing.assert_frame_equal(volume_figures(got), volume_truth(es))


def test_without_a_size_field_bytes_are_null(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    config = source_config(es.slice.clusters[:1], fields={"preset": "openshift"})
    got = collected(list(make_collector(config, client=es.client).collect(es.slice.window)), "log_volume_hourly")
    assert len(got) and got["bytes"].isna().all()
    truth = volume_truth(es).loc[es.slice.clusters[0]]
    assert got.set_index(["namespace", "hour"])["documents"].sort_index().tolist() == truth["documents"].tolist()


def test_log_based_slis_equal_the_truth(access_logs: AccessLogs) -> None:
    es = access_logs.es
    assert access_logs.loaded == access_logs.written.documents > 10_000
    queries = sli_queries(access_logs)
    assert {q.sli for q in queries} == {"availability", "latency"}
    config = source_config(es.slice.clusters, slis=queries)
    hour = Window(access_logs.window.start, access_logs.window.start + timedelta(hours=1))
    got = collected(list(make_collector(config, client=es.client).collect(hour)), "sli_5m")
    truth = access_logs.truth()
    assert set(truth["cluster_id"]) == set(es.slice.clusters)
    assert (truth["good_events"] < truth["total_events"]).any()  # some bad requests to tell apart
    values = ["good_events", "total_events"]
    pd.testing.assert_frame_equal(got.set_index(SLI_KEY)[values].astype("int64").sort_index(),
                                  truth.set_index(SLI_KEY)[values].astype("int64").sort_index())


def test_recollection_replaces_and_runs_are_recorded(warehouse_engine: sa.Engine, access_logs: AccessLogs) -> None:
    es = access_logs.es
    queries = sli_queries(access_logs)[:1]  # one SLI query keeps the test short; all are checked above
    config = source_config(es.slice.clusters, slis=queries)
    collector = make_collector(config, client=es.client)
    for _ in range(2):
        report = collect_window(warehouse_engine, collector, es.slice.window)
        assert report.failures == []
    with warehouse_engine.connect() as conn:
        stored = pd.DataFrame(conn.execute(sa.select(log_volume_hourly)).mappings().all())
        slis = pd.DataFrame(conn.execute(sa.select(sli_5m)).mappings().all())
    stored["hour"] = pd.to_datetime(stored["hour"]).astype("datetime64[ns]")
    pd.testing.assert_frame_equal(volume_figures(stored), volume_truth(es))
    truth = access_logs.truth()
    assert len(slis) == len(truth[(truth["service"] == queries[0].service) & (truth["sli"] == queries[0].sli)]) > 0
    runs = recent_runs(warehouse_engine)
    assert len(runs) == 2 * len(es.slice.clusters) and (runs["status"] == "succeeded").all()
    assert runs["rows"].sum() == 2 * (len(stored) + len(slis))


def test_forcing_composite_on_a_server_without_it_fails_each_cluster_clearly(
        elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    collector = make_collector(source_config(es.slice.clusters, paging="composite"), client=es.client)
    out = list(collector.collect(es.slice.window))
    assert [type(o) for o in out] == [ScopeFailure, ScopeFailure]
    assert all(isinstance(o.error, SearchRefused) and o.error.status == 400 for o in out)
    assert "composite" in str(out[0].error) and es.slice.clusters[0] in str(out[0].error)


def test_a_refused_sli_query_fails_only_its_cluster(warehouse_engine: sa.Engine, access_logs: AccessLogs) -> None:
    es = access_logs.es  # the access-log indices exist: the query itself is refused
    bad, good = es.slice.clusters
    malformed = {"term": {"a": 1}, "match": {"b": 2}}  # one query object with two query types
    broken = SliQuery(namespace="x", service="y", clusters=[bad], query=malformed, good_status_below=500)
    collector = make_collector(source_config(es.slice.clusters, slis=[broken]), client=es.client)
    report = collect_window(warehouse_engine, collector, es.slice.window)
    assert len(report.failures) == 1 and report.failures[0].startswith(f"{bad}: SLI x/y availability: HTTP 400")
    runs = recent_runs(warehouse_engine).set_index("cluster_id")
    assert runs.loc[bad, "status"] == "failed" and "HTTP 400" in runs.loc[bad, "error"]
    assert runs.loc[good, "status"] == "succeeded" and runs.loc[good, "rows"] > 0


def test_partial_hours_are_refused(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    collector = make_collector(source_config(es.slice.clusters), client=es.client)
    start = es.slice.window.start
    with pytest.raises(ConfigError, match="whole hours"):
        list(collector.collect(Window(start, start + timedelta(minutes=30))))
