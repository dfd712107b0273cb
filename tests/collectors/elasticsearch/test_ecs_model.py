"""The Elastic Common Schema preset against the real server (noida-db).

The estate's container logs of the session slice, and ten minutes of one service's access logs, are
rewritten in the names Filebeat / Elastic Agent use (``kubernetes.namespace``, ``log.level`` in upper
case, ``orchestrator.cluster.name``, ``http.response.status_code``, ``event.duration`` in
nanoseconds) and bulk-loaded into indices shared by both clusters (container logs and access logs
apart, as the estate keeps them), so the collector finds a cluster's documents by
``orchestrator.cluster.name``. Collected with ``fields.preset: ecs``, volume
and SLIs must equal the estate's truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from elasticsearch import helpers

from collectors.base import Batch
from collectors.elasticsearch.collector import make_collector
from collectors.elasticsearch.config import ECS, SliQuery
from common.windows import Window
from testbed.formats.access_logs import iter_access_documents
from testbed.formats.ndjson import NDJSON_TABLES, LogDocument, iter_documents
from tests.collectors.conftest import ElasticsearchEstate
from tests.collectors.elasticsearch.conftest import (
    LATENCY_THRESHOLD_MS,
    source_config,
    volume_figures,
    volume_truth,
)

INDEX, ACCESS_INDEX = "ecs-logs-shared", "ecs-access-shared"
SLI_CLUSTER, SLI_NAMESPACE, SLI_SERVICE = "ocp-icg-01", "icg-fraud-prod", "fraud-scheduler"
SLI_MINUTES = 10
LEVELS = {"info": "INFO", "warning": "WARN", "error": "ERROR"}  # upper case, as many ECS loggers write
SLI_KEY = ["namespace", "service", "sli", "bucket_start"]


def ecs_source(doc: LogDocument) -> dict[str, Any]:
    """One OpenShift-logging document with ECS field names."""
    src = doc.source
    k8s = src["kubernetes"]
    out: dict[str, Any] = {
        "@timestamp": src["@timestamp"], "message": src["message"],
        "log": {"level": LEVELS[src["level"]]},
        "kubernetes": {"namespace": k8s["namespace_name"], "labels": k8s.get("labels", {})},
        "orchestrator": {"cluster": {"name": src["openshift"]["cluster_id"]}},
    }
    if "message_size" in src:
        out["message_size"] = src["message_size"]
    if "structured" in src:
        out["http"] = {"response": {"status_code": src["structured"]["status"]}}
        out["event"] = {"duration": round(src["structured"]["duration_ms"] * 1_000_000)}
    return out


def template() -> dict[str, Any]:
    keyword = {"type": "keyword"}
    return {"index_patterns": ["ecs-logs-*", "ecs-access-*"], "template": {"mappings": {"properties": {
        "@timestamp": {"type": "date"}, "message": {"type": "text"}, "message_size": {"type": "long"},
        "log": {"properties": {"level": keyword}},
        "kubernetes": {"properties": {"namespace": keyword, "labels": {"properties": {"app": keyword}}}},
        "orchestrator": {"properties": {"cluster": {"properties": {"name": keyword}}}},
        "http": {"properties": {"response": {"properties": {"status_code": {"type": "integer"}}}}},
        "event": {"properties": {"duration": {"type": "long"}}},
    }}}}


@pytest.fixture(scope="module")
def ecs_estate(elasticsearch_estate: ElasticsearchEstate) -> Iterator[tuple[ElasticsearchEstate, Window]]:
    es = elasticsearch_estate
    sl = es.slice
    access = Window(sl.window.start, sl.window.start + timedelta(minutes=SLI_MINUTES))
    logs = iter_documents(sl.estate.collect(sl.window, tables=list(NDJSON_TABLES)), clusters=sl.clusters)
    requests = (d for d in iter_access_documents(
        sl.estate.collect(Window(access.start, access.start + timedelta(hours=1)), tables=["sli_5m"]),
        clusters=[SLI_CLUSTER], window=access, latency_threshold_ms=LATENCY_THRESHOLD_MS)
        if d.source["kubernetes"]["labels"]["app"] == SLI_SERVICE)
    es.client.indices.put_index_template(name="ecs-logs", **template())
    actions = ({"_op_type": "create", "_index": index, "_id": d.id, "_source": ecs_source(d)}
               for index, docs in ((INDEX, logs), (ACCESS_INDEX, requests)) for d in docs)
    helpers.bulk(es.client, actions, chunk_size=5000, raise_on_error=True)
    es.client.indices.refresh(index=f"{INDEX},{ACCESS_INDEX}")
    try:
        yield es, access
    finally:
        es.client.indices.delete(index=f"{INDEX},{ACCESS_INDEX}")
        es.client.indices.delete_index_template(name="ecs-logs")


def test_ecs_names_in_a_shared_index_give_the_truth(ecs_estate: tuple[ElasticsearchEstate, Window]) -> None:
    es, access = ecs_estate
    assert SLI_CLUSTER in es.slice.clusters
    slis = [SliQuery(namespace=SLI_NAMESPACE, service=SLI_SERVICE, sli="availability", clusters=[SLI_CLUSTER],
                     match={"kubernetes.labels.app": SLI_SERVICE}, good_status_below=500),
            SliQuery(namespace=SLI_NAMESPACE, service=SLI_SERVICE, sli="latency", clusters=[SLI_CLUSTER],
                     match={"kubernetes.labels.app": SLI_SERVICE}, latency_threshold_ms=LATENCY_THRESHOLD_MS)]
    config = source_config(es.slice.clusters, index_pattern="ecs-logs-*", sli_index_pattern="ecs-access-*",
                           fields={"preset": "ecs", "bytes": "message_size"}, slis=slis)
    assert config.fields.resolved().namespace == ECS.namespace
    out = list(make_collector(config, client=es.client).collect(es.slice.window))
    assert all(isinstance(b, Batch) for b in out)
    volume = pd.concat([b.frame for b in out if isinstance(b, Batch) and b.table == "log_volume_hourly"])
    truth = volume_truth(es)
    assert truth["error_documents"].sum() > 0 and truth["warning_documents"].sum() > 0
    pd.testing.assert_frame_equal(volume_figures(volume), truth)

    got = pd.concat([b.frame for b in out if isinstance(b, Batch) and b.table == "sli_5m"])
    assert set(got["cluster_id"]) == {SLI_CLUSTER}
    want = es.slice.facts("sli_5m")
    want = want[(want["cluster_id"] == SLI_CLUSTER) & (want["service"] == SLI_SERVICE)
                & (want["bucket_start"] >= access.start) & (want["bucket_start"] < access.end)]
    assert (want["good_events"] < want["total_events"]).all()  # both SLIs have bad requests to tell apart
    values = ["good_events", "total_events"]
    pd.testing.assert_frame_equal(got.set_index(SLI_KEY)[values].astype("int64").sort_index(),
                                  want.set_index(SLI_KEY)[values].astype("int64").sort_index(), check_index_type=False)
