"""What the writers put in the documents the collector reads: sizes, and access logs that carry the SLIs."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pandas as pd
import pytest

from collectors.base import Batch
from common.windows import Window
from testbed.formats.access_logs import iter_access_documents
from testbed.formats.ndjson import iter_documents
from tests.collectors.conftest import EstateSlice


def test_message_size_field_sums_to_the_rows_bytes(estate_slice: EstateSlice) -> None:
    batches = estate_slice.estate.collect(estate_slice.window, tables=["log_volume_hourly", "node_hourly"])
    sizes: Counter[tuple[str, str, str]] = Counter()
    for d in iter_documents(batches, clusters=estate_slice.clusters):
        assert d.source["message_size"] == len(d.source["message"].encode())
        sizes[(d.source["openshift"]["cluster_id"], d.source["kubernetes"]["namespace_name"],
               d.source["@timestamp"][:13])] += d.source["message_size"]
    rows = estate_slice.facts("log_volume_hourly")
    rows = rows[rows["documents"] > 0]
    expected = {(c, n, h.strftime("%Y-%m-%dT%H")): b for c, n, h, b in
                zip(rows["cluster_id"], rows["namespace"], rows["hour"], rows["bytes"], strict=True)}
    assert dict(sizes) == expected


def test_access_logs_carry_each_bucket_of_each_sli(estate_slice: EstateSlice) -> None:
    start = estate_slice.window.start
    hour = Window(start, start + timedelta(hours=1))
    batches = [b for b in estate_slice.estate.collect(hour, tables=["sli_5m"]) if b.scope in estate_slice.clusters]
    counts: dict[tuple, Counter[str]] = defaultdict(Counter)
    ten = Window(start, start + timedelta(minutes=10))
    for d in iter_access_documents(batches, latency_threshold_ms=200.0, window=ten):
        s = d.source
        bucket = datetime.strptime(s["@timestamp"][:16], "%Y-%m-%dT%H:%M")
        bucket = bucket.replace(minute=bucket.minute - bucket.minute % 5)
        k8s = s["kubernetes"]
        c = counts[(s["openshift"]["cluster_id"], k8s["namespace_name"], k8s["labels"]["app"], bucket)]
        c["total"] += 1
        c["availability"] += s["structured"]["status"] < 500
        c["latency"] += s["structured"]["duration_ms"] <= 200.0
        assert (s["level"] == "error") == (s["structured"]["status"] >= 500)
    truth = pd.concat([b.frame for b in batches])
    truth = truth[truth["bucket_start"] < start + timedelta(minutes=10)]
    assert len(truth) and set(truth["sli"]) == {"availability", "latency"}
    for row in truth.itertuples():
        got = counts[(row.cluster_id, row.namespace, row.service, row.bucket_start.to_pydatetime())]
        assert (got["total"], got[row.sli]) == (row.total_events, row.good_events), row
    assert len(counts) == truth.groupby(["cluster_id", "namespace", "service", "bucket_start"]).ngroups


def test_access_logs_refuse_rows_that_disagree_and_a_bad_threshold() -> None:
    t = datetime(2026, 9, 1, 10)
    frame = pd.DataFrame({"bucket_start": [t, t], "source": "synthetic", "cluster_id": "c1", "namespace": "shop",
                          "service": "api", "sli": ["availability", "latency"], "good_events": [9, 8],
                          "total_events": [10, 11]})
    batch = Batch("sli_5m", "synthetic", "c1", Window(t, t + timedelta(hours=1)), frame)
    with pytest.raises(ValueError, match=r"shop/api .* disagree on total_events"):
        list(iter_access_documents([batch]))
    with pytest.raises(ValueError, match="latency_threshold_ms must be positive"):
        list(iter_access_documents([batch], latency_threshold_ms=0))
