"""Request and response handling that the test server cannot exercise, on recorded response bodies.

noida-db (the only Elasticsearch-API server that runs here) has no composite aggregation and never
reports failed shards, so the composite pager and the partial-results path are driven by a scripted
client that returns response bodies shaped as Elasticsearch 8 returns them (field for field from the
composite aggregation and search API reference). What is checked: the requests sent (after_key
chaining, filters), the rows parsed, and what a run records. An unreachable server is real: a
closed loopback port.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from collectors.elasticsearch.client import PartialResults, shard_failure
from collectors.elasticsearch.collector import make_collector
from collectors.elasticsearch.config import OPENSHIFT
from collectors.elasticsearch.retention import LogsExpired, NoIndexMatched, parse_earliest
from collectors.elasticsearch.sli import parse_sli
from collectors.elasticsearch.volume import parse_composite, parse_terms
from common.errors import DataError, TransientError
from common.windows import Window
from ingest import collect_window
from testbed.procs import free_port
from tests.collectors.elasticsearch.conftest import source_config
from tests.collectors.http_stub import black_hole
from warehouse.runs import recent_runs

T0 = datetime(2026, 9, 1, 10)
WINDOW = Window(T0, T0 + timedelta(hours=2))
MS = int((T0 - datetime(1970, 1, 1)).total_seconds() * 1000)
HOUR_MS = 3_600_000
OK_SHARDS = {"total": 5, "successful": 5, "skipped": 0, "failed": 0}


def earliest_answer(ms: int | None = MS) -> dict[str, Any]:
    """The retention search's response (the first hit sorted by @timestamp) as Elasticsearch 8 gives it."""
    hits = [] if ms is None else [{"_index": "app-c1-2026.09.01", "_id": "e1", "_score": None, "sort": [ms]}]
    return {"took": 1, "timed_out": False, "_shards": OK_SHARDS, "hits": {"max_score": None, "hits": hits}}


class ScriptedClient:
    """Stands in for elasticsearch.Elasticsearch: records each search and answers from a script.

    The per-cluster retention search (the one sorted by @timestamp) is answered by ``earliest`` and
    recorded apart, so the scripts below list only the volume and SLI searches.
    """

    def __init__(self, answers: list[Mapping[str, Any] | Exception],
                 earliest: Mapping[str, Any] | Exception | None = None,
                 earliest_by_index: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.answers = list(answers)
        self.earliest = earliest if earliest is not None else earliest_answer()
        self.requests: list[dict[str, Any]] = []
        self.earliest_requests: list[dict[str, Any]] = []
        self.earliest_by_index = dict(earliest_by_index or {})

    def options(self, **_: Any) -> ScriptedClient:
        return self

    def search(self, **request: Any) -> Mapping[str, Any]:
        if "sort" in request:
            self.earliest_requests.append(request)
            if request["index"] in self.earliest_by_index:
                return self.earliest_by_index[request["index"]]
            if isinstance(self.earliest, Exception):
                raise self.earliest
            return self.earliest
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def composite_page(buckets: list[tuple[str, int, int, int, int, float]], after: dict | None) -> dict[str, Any]:
    volume: dict[str, Any] = {"buckets": [
        {"key": {"namespace": ns, "hour": MS + h * HOUR_MS}, "doc_count": docs, "bytes": {"value": size},
         "levels": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
             b for b in ({"key": "error", "doc_count": err}, {"key": "warning", "doc_count": warn}) if b["doc_count"]]}}
        for ns, h, docs, err, warn, size in buckets]}
    if after is not None:
        volume["after_key"] = after
    return {"took": 3, "timed_out": False, "_shards": OK_SHARDS, "hits": {"total": {"value": 0, "relation": "gte"},
            "max_score": None, "hits": []}, "aggregations": {"volume": volume}}


def collect(client: ScriptedClient, **overrides: Any) -> list[Batch | ScopeFailure]:
    config = source_config(("c1",), **overrides)
    return list(make_collector(config, client=client).collect(WINDOW))  # type: ignore[arg-type]


def test_composite_pages_chain_after_key_and_parse_every_bucket() -> None:
    page1 = composite_page([("alpha", 0, 10, 1, 2, 1500.0), ("alpha", 1, 7, 0, 0, 900.0)],
                           after={"namespace": "alpha", "hour": MS + HOUR_MS})
    page2 = composite_page([("beta", 0, 3, 3, 0, 300.0), ("beta", 1, 4, 0, 1, 401.0)],
                           after={"namespace": "beta", "hour": MS + HOUR_MS})
    last = composite_page([], after=None)
    client = ScriptedClient([page1, page2, last])
    batches = collect(client, paging="composite", page_size=2)
    volume = batches[0].frame
    assert volume[["namespace", "documents", "error_documents", "warning_documents", "bytes"]].values.tolist() == [
        ["alpha", 10, 1, 2, 1500], ["beta", 3, 3, 0, 300], ["alpha", 7, 0, 0, 900], ["beta", 4, 0, 1, 401]]
    assert volume["hour"].tolist() == [pd.Timestamp(T0)] * 2 + [pd.Timestamp(T0 + timedelta(hours=1))] * 2
    comp = [r["aggs"]["volume"]["composite"] for r in client.requests]
    assert "after" not in comp[0] and comp[1]["after"] == {"namespace": "alpha", "hour": MS + HOUR_MS}
    assert comp[2]["after"] == {"namespace": "beta", "hour": MS + HOUR_MS}
    assert comp[0]["sources"][1]["hour"]["date_histogram"] == {"field": "@timestamp", "fixed_interval": "1h",
                                                               "time_zone": "UTC"}
    first = client.requests[0]
    assert first["index"] == "app-c1-*,infra-c1-*" and first["ignore_unavailable"] is True
    assert first["timeout"] == "60s"  # the server stops searching in time and answers timed_out (partial)
    assert first["query"]["bool"]["filter"][0]["range"]["@timestamp"] == {
        "gte": "2026-09-01T10:00:00.000Z", "lt": "2026-09-01T12:00:00.000Z", "format": "strict_date_optional_time"}
    levels = first["aggs"]["volume"]["aggs"]["levels"]["terms"]
    assert levels["field"] == "level" and levels["include"] == [*OPENSHIFT.error_levels, *OPENSHIFT.warning_levels]


def test_auto_paging_keeps_composite_when_the_server_has_it() -> None:
    client = ScriptedClient([composite_page([("alpha", 0, 1, 0, 0, 10.0)], after={"namespace": "alpha", "hour": MS})])
    batches = collect(client)
    assert len(batches[0].frame) == 1 and "composite" in client.requests[0]["aggs"]["volume"]


def test_a_stuck_after_key_is_an_error_not_a_loop() -> None:
    same = {"namespace": "alpha", "hour": MS}
    client = ScriptedClient([composite_page([("alpha", 0, 1, 0, 0, 1.0)], after=same)] * 3)
    out = collect(client, paging="composite", page_size=1)
    assert isinstance(out[0], ScopeFailure) and "did not advance" in str(out[0].error)


def test_partial_shard_failure_fails_the_cluster_run(warehouse_engine: sa.Engine) -> None:
    partial = composite_page([("alpha", 0, 10, 1, 2, 1500.0)], after=None)
    partial["_shards"] = {"total": 5, "successful": 4, "skipped": 0, "failed": 1, "failures": [{
        "shard": 3, "index": "app-c1-2026.09.01", "node": "n1",
        "reason": {"type": "node_not_connected_exception", "reason": "[es-data-2] Node not connected"}}]}
    client = ScriptedClient([partial] * 4)
    collector = make_collector(source_config(("c1",), paging="composite", retries=3), client=client)  # type: ignore
    report = collect_window(warehouse_engine, collector, WINDOW)
    assert len(client.requests) == 4  # retried: a shard may come back
    error = recent_runs(warehouse_engine).iloc[0]["error"]
    assert report.failures and recent_runs(warehouse_engine).iloc[0]["status"] == "failed"
    assert "1 of 5 shards failed (index app-c1-2026.09.01, shard 3): [es-data-2] Node not connected" in error
    assert "attempts=4" in error


def test_timed_out_searches_are_partial() -> None:
    assert shard_failure({"timed_out": True, "_shards": OK_SHARDS}) is not None
    assert shard_failure({"timed_out": False, "_shards": OK_SHARDS}) is None
    client = ScriptedClient([{**composite_page([], None), "timed_out": True}])
    out = collect(client, paging="composite", retries=0)
    assert isinstance(out[0], ScopeFailure) and isinstance(out[0].error, PartialResults)


def test_unreachable_server_is_transient_and_every_cluster_is_recorded(warehouse_engine: sa.Engine) -> None:
    from elasticsearch import Elasticsearch

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    config = source_config(("c1", "c2"), hosts=[url], retries=1, request_timeout_seconds=2)
    collector = make_collector(config, client=Elasticsearch(url, max_retries=0))
    out = list(collector.collect(WINDOW))
    assert [type(o) for o in out] == [ScopeFailure, ScopeFailure]
    assert all(isinstance(o.error, TransientError) for o in out)
    report = collect_window(warehouse_engine, collector, WINDOW)
    runs = recent_runs(warehouse_engine).set_index("cluster_id")
    assert sorted(runs.index) == ["c1", "c2"] and (runs["status"] == "failed").all()
    assert "ConnectionError" in runs.loc["c2", "error"] and "index=app-c2-*,infra-c2-*" in runs.loc["c2", "error"]
    assert len(report.failures) == 2


def test_a_hung_server_times_out_at_the_configured_timeout_and_is_retried() -> None:
    from elasticsearch import Elasticsearch

    with black_hole() as port:
        url = f"http://127.0.0.1:{port}"
        config = source_config(("c1",), hosts=[url], retries=1, request_timeout_seconds=1)
        client = Elasticsearch(url, request_timeout=120, max_retries=0)  # the setting must win over this
        collector = make_collector(config, client=client)
        started = time.monotonic()
        out = list(collector.collect(WINDOW))
        elapsed = time.monotonic() - started
    assert len(out) == 1 and isinstance(out[0], ScopeFailure) and isinstance(out[0].error, TransientError)
    assert "ConnectionTimeout" in str(out[0].error) and "attempts=2" in str(out[0].error)
    assert collector.searcher.requests == 2
    assert elapsed < 60  # two 1 s timeouts; the client's own 120 s would take minutes


def test_retries_only_transient_statuses() -> None:
    from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
    from elasticsearch import ApiError

    def api_error(status: int, kind: str) -> ApiError:
        meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                               node=NodeConfig("http", "localhost", 9200))
        return ApiError(kind, meta=meta, body={"error": {"root_cause": [{"type": kind, "reason": f"{kind}!"}],
                                                         "type": kind, "reason": f"{kind}!"}, "status": status})

    busy = ScriptedClient([api_error(429, "es_rejected_execution_exception"), api_error(503, "unavailable"),
                           composite_page([("alpha", 0, 2, 0, 0, 5.0)], after=None)])
    assert len(collect(busy, paging="composite", retries=2)[0].frame) == 1
    assert len(busy.requests) == 3
    denied = ScriptedClient([api_error(403, "security_exception")])
    out = collect(denied, paging="composite", retries=5)
    assert len(denied.requests) == 1 and "HTTP 403 security_exception" in str(out[0].error)
    assert "api_key" in str(out[0].error)


# --------------------------------------------------------------------------- malformed responses


def test_malformed_responses_name_what_is_wrong() -> None:
    with pytest.raises(DataError, match="response has no 'aggregations'"):
        parse_composite({"hits": {}}, OPENSHIFT, WINDOW)
    bad_count = composite_page([("alpha", 0, 1, 0, 0, 1.0)], None)
    bad_count["aggregations"]["volume"]["buckets"][0]["levels"] = {"buckets": [{"key": "error", "count": 1}]}
    with pytest.raises(DataError, match=r"aggregations.volume.buckets\[0\].levels.buckets\[0\] has no 'doc_count'"):
        parse_composite(bad_count, OPENSHIFT, WINDOW)
    cut = composite_page([("alpha", 0, 1, 1, 0, 1.0)], None)
    cut["aggregations"]["volume"]["buckets"][0]["levels"]["sum_other_doc_count"] = 4
    with pytest.raises(DataError, match="left documents out"):
        parse_composite(cut, OPENSHIFT, WINDOW)
    outside = composite_page([("alpha", 5, 1, 0, 0, 1.0)], None)
    with pytest.raises(DataError, match="not a whole hour in"):
        parse_composite(outside, OPENSHIFT, WINDOW)
    no_key = {"aggregations": {"volume": {"buckets": [{"key": {"hour": MS}, "doc_count": 1}]}}}
    with pytest.raises(DataError, match=r"buckets\[0\].key has no 'namespace'"):
        parse_composite(no_key, OPENSHIFT, WINDOW)
    empty = {"doc_count": 0, "hours": {"buckets": []}}
    unordered = {"aggregations": {"namespaces": {"sum_other_doc_count": 0, "buckets": [
        {"key": "b", **empty}, {"key": "a", **empty}]}}}
    with pytest.raises(DataError, match="not in ascending order"):
        parse_terms(unordered, OPENSHIFT, WINDOW)
    with pytest.raises(DataError, match=r"no aggregations\.buckets\.buckets"):
        parse_sli({"aggregations": {}}, WINDOW)
    too_good = {"aggregations": {"buckets": {"buckets": [{"key": MS, "doc_count": 2, "good": {"doc_count": 3}}]}}}
    with pytest.raises(DataError, match="3 good of 2 requests"):
        parse_sli(too_good, WINDOW)
    client = ScriptedClient([{"_shards": OK_SHARDS, "aggregations": {"volume": {"buckets": "oops"}}}])
    out = collect(client, paging="composite")
    assert isinstance(out[0], ScopeFailure) and "aggregations.volume.buckets is not a list" in str(out[0].error)


# --------------------------------------------------------------------------- retention


def test_retention_search_asks_for_the_first_document_and_narrows_the_window() -> None:
    answer = earliest_answer(MS + HOUR_MS + 17 * 60_000)  # 11:17, the second hour of the window
    client = ScriptedClient([composite_page([("alpha", 1, 4, 0, 0, 40.0)], after=None)], earliest=answer)
    batches = collect(client, paging="composite")
    held = Window(T0 + timedelta(hours=1), WINDOW.end)
    assert [(b.table, b.window) for b in batches] == [("log_volume_hourly", held), ("sli_5m", held)]
    assert client.requests[0]["query"]["bool"]["filter"][0]["range"]["@timestamp"]["gte"] == "2026-09-01T11:00:00.000Z"
    (asked,) = client.earliest_requests
    assert asked["index"] == "app-c1-*,infra-c1-*" and asked["size"] == 1 and asked["_source"] is False
    assert asked["sort"] == [{"@timestamp": {"order": "asc", "numeric_type": "date"}}]  # ms for date_nanos too
    assert asked["track_total_hits"] is False and "aggs" not in asked
    assert parse_earliest(earliest_answer(None)) is None
    with pytest.raises(DataError, match="no sort value"):
        parse_earliest({"hits": {"hits": [{"_id": "x"}]}})
    with pytest.raises(DataError, match="expected epoch milliseconds"):
        parse_earliest({"hits": {"hits": [{"_id": "x", "sort": ["2026-09-01T10:00:00Z"]}]}})


def test_a_window_ending_at_the_earliest_hour_is_gone_and_asks_nothing_more() -> None:
    client = ScriptedClient([], earliest=earliest_answer(MS + 2 * HOUR_MS + 1))
    out = collect(client, paging="composite")
    assert len(out) == 1 and isinstance(out[0], ScopeFailure) and isinstance(out[0].error, LogsExpired)
    assert str(out[0].error).startswith("logs for [2026-09-01 10:00, 2026-09-01 12:00) are no longer in "
                                        "Elasticsearch: the earliest document of cluster c1 is at 2026-09-01 "
                                        "12:00:00 UTC; stored figures kept")
    assert client.requests == []


def test_no_shard_searched_means_no_index_matched() -> None:
    nothing = {"took": 0, "timed_out": False, "_shards": {"total": 0, "successful": 0, "skipped": 0, "failed": 0},
               "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": 0.0, "hits": []}}
    out = collect(ScriptedClient([], earliest=nothing), paging="composite")
    assert isinstance(out[0], ScopeFailure) and isinstance(out[0].error, NoIndexMatched)
    # the volume search checks it too (indices deleted between the two searches)
    out = collect(ScriptedClient([nothing]), paging="composite")
    assert isinstance(out[0], ScopeFailure) and "log volume (composite page): no index matches" in str(out[0].error)


def sli_answer(minutes: list[int]) -> dict[str, Any]:
    """An SLI search's 5-minute buckets (one request each, all good) at ``minutes`` after T0."""
    return {"took": 1, "timed_out": False, "_shards": OK_SHARDS, "aggregations": {"buckets": {"buckets": [
        {"key": MS + m * 60_000, "doc_count": 1, "good": {"doc_count": 1}} for m in minutes]}}}


def test_access_logs_kept_for_less_time_narrow_only_the_sli_batch() -> None:
    from collectors.elasticsearch.config import SliQuery

    sli = SliQuery(namespace="shop", service="web", match={"kubernetes.labels.app": "web"}, good_status_below=500)
    access = earliest_answer(MS + HOUR_MS + 17 * 60_000)  # access logs from 11:17, container logs from 10:00
    client = ScriptedClient([composite_page([("alpha", 0, 4, 0, 0, 40.0)], after=None), sli_answer([60, 65])],
                            earliest_by_index={"access-c1-*": access})
    batches = collect(client, paging="composite", slis=[sli])
    assert [(b.table, b.window) for b in batches] == [
        ("log_volume_hourly", WINDOW), ("sli_5m", Window(T0 + timedelta(hours=1), WINDOW.end))]
    assert len(batches[1].frame) == 2
    assert [r["index"] for r in client.earliest_requests] == ["app-c1-*,infra-c1-*", "access-c1-*"]
    assert client.requests[1]["query"]["bool"]["filter"][0]["range"]["@timestamp"]["gte"] == "2026-09-01T11:00:00.000Z"
    gone = ScriptedClient([composite_page([], after=None)],
                          earliest_by_index={"access-c1-*": earliest_answer(MS + 3 * HOUR_MS)})
    out = collect(gone, paging="composite", slis=[sli])
    assert len(out) == 1 and isinstance(out[0], ScopeFailure) and isinstance(out[0].error, LogsExpired)
    assert "are no longer in Elasticsearch" in str(out[0].error) and "index=access-c1-*" in str(out[0].error)
    same = ScriptedClient([composite_page([], after=None), sli_answer([])])
    collect(same, paging="composite", slis=[sli], sli_index_pattern="app-{cluster}-*,infra-{cluster}-*")
    assert len(same.earliest_requests) == 1  # the access logs are in the container-log indices: one check
