"""The NDJSON log writer: document counts, levels and sizes per row, and a real bulk load into noida-db."""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from collectors.base import Batch
from common.windows import Window
from testbed.formats.ndjson import index_name, log_type, write_estate_ndjson, write_ndjson
from tests.collectors.conftest import ElasticsearchEstate, EstateSlice


def read_pairs(text: str) -> list[tuple[dict, dict]]:
    lines = text.splitlines()
    assert len(lines) % 2 == 0
    return [(json.loads(a), json.loads(b)) for a, b in zip(lines[::2], lines[1::2], strict=True)]


@pytest.fixture(scope="module")
def written(estate_slice: EstateSlice) -> list[tuple[dict, dict]]:
    out = io.StringIO()
    write_estate_ndjson(out, estate_slice.estate, estate_slice.window, clusters=estate_slice.clusters)
    return read_pairs(out.getvalue())


def truth(estate_slice: EstateSlice) -> pd.DataFrame:
    return estate_slice.facts("log_volume_hourly").set_index(["cluster_id", "namespace", "hour"])


def test_each_row_becomes_exactly_its_documents(written: list[tuple[dict, dict]], estate_slice: EstateSlice) -> None:
    rows = truth(estate_slice)
    docs: dict[tuple, list[dict]] = defaultdict(list)
    for action, doc in written:
        hour = datetime.strptime(doc["@timestamp"][:13], "%Y-%m-%dT%H")
        docs[(doc["openshift"]["cluster_id"], doc["kubernetes"]["namespace_name"], hour)].append(doc)
        (op, meta), = action.items()
        assert op == "create"
        ns = doc["kubernetes"]["namespace_name"]
        assert meta["_index"] == index_name("{prefix}-{cluster}-{date:%Y.%m.%d}", doc["openshift"]["cluster_id"],
                                            log_type(ns), hour)
        assert doc["log_type"] == log_type(ns)
    assert len({a["create"]["_id"] for a, _ in written}) == len(written)
    positive = rows[rows["documents"] > 0]
    assert set(docs) == set(positive.index)
    for key, row in positive.iterrows():
        got = docs[key]
        assert len(got) == row["documents"]
        levels = Counter(d["level"] for d in got)
        assert levels["error"] == row["error_documents"]
        assert levels["warning"] == row["warning_documents"]
        assert sum(len(d["message"].encode()) for d in got) == row["bytes"]
        stamps = [d["@timestamp"] for d in got]
        assert all(s.endswith("Z") for s in stamps) and stamps == sorted(stamps)


def test_documents_name_running_pods_or_real_nodes(written: list[tuple[dict, dict]],
                                                   estate_slice: EstateSlice) -> None:
    pods = estate_slice.facts("pod_usage_hourly")
    running = set(zip(pods["cluster_id"], pods["namespace"], pods["hour"], pods["pod"], pods["node"], strict=True))
    with_pods = set(zip(pods["cluster_id"], pods["namespace"], pods["hour"], strict=True))
    nodes = estate_slice.dimension("node")
    masters = set(zip(nodes.loc[nodes["role"] == "master", "cluster_id"], nodes.loc[nodes["role"] == "master", "node"],
                      strict=True))
    fallback = 0
    for _, doc in written:
        k = doc["kubernetes"]
        hour = datetime.strptime(doc["@timestamp"][:13], "%Y-%m-%dT%H")
        cluster, ns, host = doc["openshift"]["cluster_id"], k["namespace_name"], doc["hostname"]
        if (cluster, ns, hour) in with_pods:
            assert (cluster, ns, hour, k["pod_name"], host) in running
        else:
            assert (cluster, host) in masters and k["pod_name"] == f"{ns}-{host}"
            fallback += 1
    assert fallback < len(written) / 2


def test_log_types_and_index_pattern() -> None:
    assert log_type("openshift-monitoring") == "infrastructure"
    assert log_type("kube-system") == "infrastructure"
    assert log_type("default") == "infrastructure"
    assert log_type("cti-payments-prod") == "application"
    hour = datetime(2026, 9, 1, 10)
    assert index_name("{prefix}-{cluster}-{date:%Y.%m.%d}", "ocp-1", "application", hour) == "app-ocp-1-2026.09.01"
    assert index_name("logs-{log_type}-{cluster}", "ocp-1", "infrastructure", hour) == "logs-infrastructure-ocp-1"


def _one_row(documents: int, size: int | None) -> list[Batch]:
    hour = datetime(2026, 9, 1, 10)
    frame = pd.DataFrame([{"hour": hour, "source": "synthetic", "cluster_id": "c1", "namespace": "shop",
                           "documents": documents, "bytes": size, "error_documents": 2, "warning_documents": 9}])
    return [Batch("log_volume_hourly", "synthetic", "c1", Window(hour, hour + timedelta(hours=1)), frame)]


def test_sizes_that_cannot_be_met_are_reported_and_actions_are_configurable() -> None:
    out = io.StringIO()
    stats = write_ndjson(out, _one_row(5, 3), action="index", index_pattern="logs-{cluster}")
    pairs = read_pairs(out.getvalue())
    assert stats.inexact_rows == 1 and stats.documents == 5
    assert all("index" in a and a["index"]["_index"] == "logs-c1" for a, _ in pairs)
    levels = Counter(d["level"] for _, d in pairs)
    assert levels == {"error": 2, "warning": 3}  # warnings clipped to what is left
    exact = write_ndjson(io.StringIO(), _one_row(7, 1001))
    assert exact.inexact_rows == 0 and exact.message_bytes == 1001
    with pytest.raises(ValueError, match="create"):
        write_ndjson(io.StringIO(), [], action="delete")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- real server (noida-db)


def test_bulk_load_keeps_every_document(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    assert es.loaded == es.written.documents > 1000
    assert es.client.count(index="app-*,infra-*")["count"] == es.written.documents
    indices = set(es.client.indices.get(index="app-*,infra-*"))
    assert indices == set(es.written.documents_by_index)
    assert any(i.startswith("infra-") for i in indices) and any(i.startswith("app-") for i in indices)


def test_counts_per_namespace_hour_equal_the_facts(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    body = es.client.search(index="app-*,infra-*", size=0, aggs={
        "cluster": {"terms": {"field": "openshift.cluster_id", "size": 100}, "aggs": {
            "ns": {"terms": {"field": "kubernetes.namespace_name", "size": 1000}, "aggs": {
                "hour": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1h"}, "aggs": {
                    "errors": {"filter": {"term": {"level": "error"}}},
                    "warnings": {"filter": {"term": {"level": "warning"}}}}}}}}}})
    got = {}
    for c in body["aggregations"]["cluster"]["buckets"]:
        for n in c["ns"]["buckets"]:
            for h in n["hour"]["buckets"]:
                if h["doc_count"]:
                    hour = datetime.fromtimestamp(h["key"] / 1000, UTC).replace(tzinfo=None)
                    got[(c["key"], n["key"], hour)] = (h["doc_count"], h["errors"]["doc_count"],
                                                       h["warnings"]["doc_count"])
    rows = truth(es.slice)
    rows = rows[rows["documents"] > 0]
    assert set(got) == set(rows.index)
    for key, row in rows.iterrows():
        assert got[key] == (row["documents"], row["error_documents"], row["warning_documents"]), key


def test_range_and_term_queries_find_a_namespace_hour(elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    rows = truth(es.slice)
    (cluster, ns, hour), row = next(iter(rows[rows["documents"] > 0].sort_values("documents").iterrows()))
    query = {"bool": {"filter": [
        {"term": {"openshift.cluster_id": cluster}}, {"term": {"kubernetes.namespace_name": ns}},
        {"range": {"@timestamp": {"gte": hour.isoformat() + "Z", "lt": (hour + timedelta(hours=1)).isoformat() + "Z"}}},
    ]}}
    assert es.client.count(index="app-*,infra-*", query=query)["count"] == row["documents"]
