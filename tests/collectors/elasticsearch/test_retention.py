"""Stored figures survive logs that are gone: a typo'd index pattern, a window older than the retention.

Against the session's noida-db holding the estate's logs for a few hours (the earliest document of
each cluster is in the first of them): hours before that are "past the retention". Rows stored for
those hours are written straight into the warehouse, as an earlier collection (when the logs were
still there) would have left them; they must still be there after a re-collection.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from collectors.elasticsearch.collector import SOURCE, VOLUME_COLUMNS, make_collector
from collectors.elasticsearch.config import SliQuery
from collectors.elasticsearch.retention import LogsExpired, NoIndexMatched
from common.windows import Window
from ingest import collect_window
from tests.collectors.conftest import ElasticsearchEstate
from tests.collectors.elasticsearch.conftest import source_config, volume_figures, volume_truth
from warehouse import load
from warehouse.runs import recent_runs
from warehouse.schema import log_volume_hourly

HOUR = timedelta(hours=1)


def stored_before(engine: sa.Engine, clusters: tuple[str, ...], window: Window) -> pd.DataFrame:
    """Rows of an earlier collection of ``window``: one namespace per cluster and hour, 7 documents each."""
    frames = []
    for cluster in clusters:
        hours = pd.date_range(window.start, window.end, freq="h", inclusive="left").astype("datetime64[ns]")
        frame = pd.DataFrame({"hour": hours, "source": SOURCE, "cluster_id": cluster, "namespace": "earlier-ns",
                              "documents": 7, "bytes": 700, "error_documents": 1, "warning_documents": 2},
                             columns=VOLUME_COLUMNS)
        load.replace_slice(engine, "log_volume_hourly", SOURCE, cluster, window, frame)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def stored(engine: sa.Engine, window: Window | None = None) -> pd.DataFrame:
    query = sa.select(log_volume_hourly)
    if window is not None:
        query = query.where(log_volume_hourly.c.hour >= window.start, log_volume_hourly.c.hour < window.end)
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(query).mappings().all(), columns=VOLUME_COLUMNS)
    rows["hour"] = pd.to_datetime(rows["hour"]).astype("datetime64[ns]")
    return rows


def first_document(es: ElasticsearchEstate, cluster: str) -> datetime:
    response = es.client.search(index=f"app-{cluster}-*,infra-{cluster}-*", size=1, _source=["@timestamp"],
                                sort=[{"@timestamp": {"order": "asc"}}])
    return datetime.strptime(response["hits"]["hits"][0]["_source"]["@timestamp"][:19], "%Y-%m-%dT%H:%M:%S")


def test_a_pattern_matching_no_index_fails_the_cluster_and_keeps_its_rows(
        warehouse_engine: sa.Engine, elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    good = make_collector(source_config(es.slice.clusters), client=es.client)
    assert collect_window(warehouse_engine, good, es.slice.window).failures == []
    typo = make_collector(source_config(es.slice.clusters, index_pattern="app-{cluster}-*,infar-{cluster}-*"),
                          client=es.client)
    out = list(typo.collect(es.slice.window))
    assert [type(o) for o in out] == [Batch] * 4  # one of two patterns matching is enough
    typo = make_collector(source_config(es.slice.clusters, index_pattern="ap-{cluster}-*,infar-{cluster}-*"),
                          client=es.client)
    report = collect_window(warehouse_engine, typo, es.slice.window)
    assert typo.searcher.requests == len(es.slice.clusters)  # one search each, then nothing else is asked
    assert len(report.failures) == 2
    for cluster, failure in zip(es.slice.clusters, sorted(report.failures), strict=True):
        assert failure.startswith(f"{cluster}: earliest log document: no index matches ap-{cluster}-*,"
                                  f"infar-{cluster}-* for cluster {cluster}; check the index pattern")
        assert "stored figures kept" in failure
    pd.testing.assert_frame_equal(volume_figures(stored(warehouse_engine)), volume_truth(es))
    runs = recent_runs(warehouse_engine)
    latest = runs.sort_values("run_id").tail(2)
    assert (latest["status"] == "failed").all() and latest["error"].str.contains("no index matches").all()


def test_an_sli_pattern_matching_no_index_fails_the_cluster(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    cluster = es.slice.clusters[0]
    sli = SliQuery(namespace="shop", service="web", match={"kubernetes.labels.app": "web"}, good_status_below=500)
    config = source_config((cluster,), sli_index_pattern="acess-{cluster}-*", slis=[sli])
    out = list(make_collector(config, client=es.client).collect(es.slice.window))
    assert len(out) == 1 and isinstance(out[0], ScopeFailure) and isinstance(out[0].error, NoIndexMatched)
    assert "earliest access log document: no index matches acess-" in str(out[0].error)


def test_a_window_older_than_the_retention_fails_and_keeps_its_rows(
        warehouse_engine: sa.Engine, elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    old = Window(es.slice.window.start - 3 * HOUR, es.slice.window.start)
    before = stored_before(warehouse_engine, es.slice.clusters, old)
    collector = make_collector(source_config(es.slice.clusters), client=es.client)
    report = collect_window(warehouse_engine, collector, old)
    assert collector.searcher.requests == len(es.slice.clusters)  # only the retention search
    assert len(report.failures) == 2
    for cluster, failure in zip(es.slice.clusters, sorted(report.failures), strict=True):
        earliest = first_document(es, cluster)
        assert f"{cluster}: logs for [{old.start:%Y-%m-%d %H:%M}, {old.end:%Y-%m-%d %H:%M}) are no longer in " \
               f"Elasticsearch: the earliest document of cluster {cluster} is at {earliest:%Y-%m-%d %H:%M:%S} " \
               "UTC; stored figures kept" in failure
    pd.testing.assert_frame_equal(volume_figures(stored(warehouse_engine)), volume_figures(before))
    assert (recent_runs(warehouse_engine)["status"] == "failed").all()


def test_a_window_straddling_the_earliest_document_replaces_only_the_hours_held(
        warehouse_engine: sa.Engine, elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    window = Window(es.slice.window.start - 3 * HOUR, es.slice.window.end)
    before = stored_before(warehouse_engine, es.slice.clusters, window)  # every hour, the held ones too
    collector = make_collector(source_config(es.slice.clusters), client=es.client)
    batches = list(collector.collect(window))
    assert {b.window for b in batches} == {es.slice.window}  # the first document is in the slice's first hour
    assert all(first_document(es, c) < es.slice.window.start + HOUR for c in es.slice.clusters)
    report = collect_window(warehouse_engine, collector, window)
    assert report.failures == []
    aged = Window(window.start, es.slice.window.start)
    pd.testing.assert_frame_equal(volume_figures(stored(warehouse_engine, aged)),
                                  volume_figures(before[before["hour"] < aged.end]))
    pd.testing.assert_frame_equal(volume_figures(stored(warehouse_engine, es.slice.window)), volume_truth(es))
    runs = recent_runs(warehouse_engine)
    assert (runs["status"] == "succeeded").all() and (runs["window_start"] == window.start).all()
    assert runs["rows"].sum() == len(stored(warehouse_engine, es.slice.window))


def test_quiet_hours_within_the_retention_still_load_zero_rows(
        warehouse_engine: sa.Engine, elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    quiet = Window(es.slice.window.end, es.slice.window.end + 2 * HOUR)  # after the last document
    stored_before(warehouse_engine, es.slice.clusters, quiet)
    report = collect_window(warehouse_engine, make_collector(source_config(es.slice.clusters),
                                                                  client=es.client), quiet)
    assert report.failures == [] and stored(warehouse_engine).empty
    assert (recent_runs(warehouse_engine)["status"] == "succeeded").all()


def test_shared_indices_without_a_document_of_the_cluster_fail_it(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    config = source_config(("decommissioned", es.slice.clusters[0]), index_pattern="app-*,infra-*")
    out = list(make_collector(config, client=es.client).collect(es.slice.window))
    assert isinstance(out[0], ScopeFailure) and isinstance(out[0].error, LogsExpired)
    assert "hold no document of cluster decommissioned" in str(out[0].error)
    assert [type(o) for o in out[1:]] == [Batch, Batch] and len(out[1].frame) > 0


@pytest.mark.parametrize("hours_after_start", [1, 2])
def test_retention_decides_from_the_earliest_documents_hour(elasticsearch_estate: ElasticsearchEstate,
                                                            hours_after_start: int) -> None:
    """A window ending at the earliest document's hour is gone; one ending an hour later collects that hour."""
    es = elasticsearch_estate
    cluster = es.slice.clusters[0]
    first_hour = first_document(es, cluster).replace(minute=0, second=0)
    window = Window(first_hour - 2 * HOUR, first_hour + (hours_after_start - 1) * HOUR)
    out = list(make_collector(source_config((cluster,)), client=es.client).collect(window))
    if hours_after_start == 1:
        assert len(out) == 1 and isinstance(out[0], ScopeFailure) and isinstance(out[0].error, LogsExpired)
    else:
        assert [b.window for b in out] == [Window(first_hour, window.end)] * 2
        assert set(out[0].frame["hour"]) == {pd.Timestamp(first_hour)}
