"""The Prometheus collector against a real Prometheus backfilled from the simulated estate.

Tolerance: the estate's samples sit on a 60 s grid with counter samples on every hour boundary, so
full hours come back exact (relative 1e-9). A pod that stops inside an hour is over-counted by
Prometheus' extrapolation of ``increase`` by at most 1.1 steps of its CPU rate (the same allowance
as tests/collectors/test_openmetrics.py); nothing else may differ.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collectors.base import Batch, ScopeFailure
from collectors.prometheus import ClusterEndpoint, PrometheusCollector, PrometheusSourceConfig
from collectors.prometheus.queries import all_queries
from tests.collectors.conftest import STEP_SECONDS, PrometheusEstate
from tests.collectors.test_openmetrics import pods_with_intervals

REL = 1e-9
FACT_KEYS = {
    "pod_usage_hourly": ["cluster_id", "namespace", "pod", "hour"],
    "container_usage_hourly": ["cluster_id", "namespace", "pod", "container", "hour"],
    "node_hourly": ["cluster_id", "node", "hour"],
    "pvc_hourly": ["cluster_id", "namespace", "pvc", "hour"],
}


def thanos_config(estate: PrometheusEstate, **extra: object) -> PrometheusSourceConfig:
    return PrometheusSourceConfig(thanos={"url": estate.server.url, "cluster_label": "cluster"},
                                  scrape_interval_seconds=STEP_SECONDS, **extra)


@pytest.fixture(scope="module")
def collected(prometheus_estate: PrometheusEstate) -> tuple[PrometheusCollector, list[Batch | ScopeFailure]]:
    collector = PrometheusCollector(thanos_config(prometheus_estate))
    return collector, list(collector.collect(prometheus_estate.slice.window))


def frames_of(batches: list[Batch | ScopeFailure], table: str) -> pd.DataFrame:
    return pd.concat([b.frame for b in batches if isinstance(b, Batch) and b.table == table], ignore_index=True)


def compare(got: pd.DataFrame, truth: pd.DataFrame, keys: list[str], column: str,
            allowance: pd.Series | None = None) -> int:
    """Rows must match one to one; values within REL (plus a per-row allowance above the truth)."""
    merged = truth.merge(got, on=keys, how="outer", suffixes=("", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", keys].head()
    expected = merged[column].astype(float).to_numpy()
    value = merged[f"{column}_got"].astype(float).to_numpy()
    extra = np.zeros(len(merged)) if allowance is None else merged.set_index(keys).index.map(
        allowance).fillna(0.0).to_numpy(float)
    known = ~np.isnan(expected)
    assert np.array_equal(np.isnan(value), ~known), f"{column}: missing values differ"
    lo = expected * (1 - REL) - 1e-6
    hi = expected * (1 + REL) + extra + 1e-6
    bad = known & ((value < lo) | (value > hi))
    assert not bad.any(), merged.loc[bad, [*keys, column, f"{column}_got"]].head()
    return int(known.sum())


def cpu_allowance(pods: pd.DataFrame, keys: list[str]) -> pd.Series:
    stopping = pods_with_intervals(pods)
    stopping = stopping[stopping["stops_early"]]
    allow = 1.1 * STEP_SECONDS * stopping["cpu_usage_core_seconds"] / stopping["pod_seconds"]
    return pd.Series(allow.to_numpy(), index=pd.MultiIndex.from_frame(stopping[keys]))


def test_every_cluster_is_collected_with_a_constant_query_count(
        collected: tuple[PrometheusCollector, list], prometheus_estate: PrometheusEstate) -> None:
    collector, batches = collected
    assert not [b for b in batches if isinstance(b, ScopeFailure)]
    scopes = {b.scope for b in batches}
    assert scopes == set(prometheus_estate.slice.clusters)
    per_cluster = len(all_queries(peak_cpu=True))
    # One discovery query, then the fixed set per cluster (the window is one chunk).
    assert collector.stats.queries == 1 + per_cluster * len(scopes)
    assert collector.stats.retries == 0 and collector.stats.dropped_points == 0
    assert {b.source for b in batches if isinstance(b, Batch)} == {"prometheus"}


def test_pod_facts_equal_the_truth(collected: tuple[PrometheusCollector, list],
                                   prometheus_estate: PrometheusEstate) -> None:
    _, batches = collected
    truth = prometheus_estate.slice.facts("pod_usage_hourly")
    got = frames_of(batches, "pod_usage_hourly")
    keys = FACT_KEYS["pod_usage_hourly"]
    assert len(got) == len(truth)
    compare(got, truth, keys, "cpu_usage_core_seconds", cpu_allowance(truth, keys))
    for column in ("pod_seconds", "cpu_request_core_seconds", "cpu_limit_core_seconds",
                   "memory_usage_byte_seconds", "memory_request_byte_seconds", "memory_limit_byte_seconds",
                   "cpu_throttled_seconds", "oom_kills"):
        assert compare(got, truth, keys, column) > 0, column
    merged = truth.merge(got, on=keys, suffixes=("", "_got"))
    for column in ("node", "workload", "workload_kind"):
        assert (merged[column].astype(str) == merged[f"{column}_got"].astype(str)).all(), column


def test_container_facts_equal_the_truth(collected: tuple[PrometheusCollector, list],
                                         prometheus_estate: PrometheusEstate) -> None:
    _, batches = collected
    s = prometheus_estate.slice
    truth = s.facts("container_usage_hourly")
    got = frames_of(batches, "container_usage_hourly")
    keys = FACT_KEYS["container_usage_hourly"]
    pods = s.facts("pod_usage_hourly")
    per_pod = cpu_allowance(pods, FACT_KEYS["pod_usage_hourly"])  # a container cannot exceed its pod's share
    allowance = pd.Series(
        truth.set_index(FACT_KEYS["pod_usage_hourly"]).index.map(per_pod).fillna(0.0).to_numpy(float),
        index=pd.MultiIndex.from_frame(truth[keys]))
    compare(got, truth, keys, "cpu_usage_core_seconds", allowance)
    for column in ("cpu_request_core_seconds", "cpu_limit_core_seconds", "memory_usage_byte_seconds",
                   "memory_rss_byte_seconds", "memory_request_byte_seconds", "memory_limit_byte_seconds",
                   "cpu_throttled_seconds", "cpu_throttled_periods", "cpu_periods", "oom_kills", "restarts"):
        assert compare(got, truth, keys, column) > 0, column
    # The hour's peak working set, where the writer placed it (full hours with a peak above the mean).
    full = truth.merge(pods[[*FACT_KEYS["pod_usage_hourly"], "pod_seconds"]])
    full = full[full["pod_seconds"] == 3600].merge(got, on=keys, suffixes=("", "_got"))
    peak = np.maximum(full["memory_max_bytes"], full["memory_usage_byte_seconds"] / 3600)
    assert np.allclose(full["memory_max_bytes_got"], peak, rtol=REL)
    # Peak 5-minute CPU is at least the hour's mean rate.
    assert (full["cpu_max_cores_got"] >= full["cpu_usage_core_seconds"] / 3600 * (1 - 1e-6)).all()


def test_node_and_pvc_facts_equal_the_truth(collected: tuple[PrometheusCollector, list],
                                            prometheus_estate: PrometheusEstate) -> None:
    _, batches = collected
    s = prometheus_estate.slice
    nodes, got_nodes = s.facts("node_hourly"), frames_of(batches, "node_hourly")
    keys = FACT_KEYS["node_hourly"]
    pods_truth = s.facts("pod_usage_hourly")
    per_pod = cpu_allowance(pods_truth, FACT_KEYS["pod_usage_hourly"])
    pod_allow = pods_truth.set_index(FACT_KEYS["pod_usage_hourly"]).index.map(per_pod).fillna(0.0).to_numpy(float)
    node_allow = pd.Series(pod_allow).groupby([pods_truth["cluster_id"], pods_truth["node"], pods_truth["hour"]]).sum()
    compare(got_nodes, nodes, keys, "cpu_usage_core_seconds", node_allow)
    for column in ("node_seconds", "cpu_capacity_core_seconds", "cpu_allocatable_core_seconds",
                   "memory_capacity_byte_seconds", "memory_allocatable_byte_seconds", "memory_usage_byte_seconds"):
        compare(got_nodes, nodes, keys, column)
    merged = nodes.merge(got_nodes, on=keys, suffixes=("", "_got"))
    assert (merged["role"] == merged["role_got"]).all()
    pods = frames_of(batches, "pod_usage_hourly")
    by_node = pods.groupby(["cluster_id", "node", "hour"])["cpu_usage_core_seconds"].sum()
    assert np.allclose(merged.set_index(keys)["cpu_usage_core_seconds_got"], by_node.reindex(
        merged.set_index(keys).index).fillna(0.0), rtol=REL)
    pvcs, got_pvcs = s.facts("pvc_hourly"), frames_of(batches, "pvc_hourly")
    for column in ("capacity_byte_seconds", "request_byte_seconds", "usage_byte_seconds"):
        assert compare(got_pvcs, pvcs, FACT_KEYS["pvc_hourly"], column) > 0
    merged = pvcs.merge(got_pvcs, on=FACT_KEYS["pvc_hourly"], suffixes=("", "_got"))
    assert (merged["storage_class"] == merged["storage_class_got"]).all()
    assert (merged["persistent_volume"] == merged["persistent_volume_got"]).all()


def test_dimensions_equal_the_truth(collected: tuple[PrometheusCollector, list],
                                    prometheus_estate: PrometheusEstate) -> None:
    _, batches = collected
    s = prometheus_estate.slice
    nodes = frames_of(batches, "node").set_index(["cluster_id", "node"])
    truth = s.dimension("node").set_index(["cluster_id", "node"])
    assert set(nodes.index) == set(truth.index)
    for column in ("role", "zone", "provider_id", "vm_uuid", "cpu_cores", "memory_bytes"):
        assert (nodes[column].reindex(truth.index).astype(str) == truth[column].astype(str)).all(), column
    ns = frames_of(batches, "namespace")
    truth_ns = s.dimension("namespace")
    got_labels = {(c, n): json.loads(v)
                  for c, n, v in zip(ns["cluster_id"], ns["namespace"], ns["labels"], strict=True)}
    # kube-state-metrics sanitises keys; the mapping's keys (ecs/sector, ...) come back as written.
    for c, n, raw in zip(truth_ns["cluster_id"], truth_ns["namespace"], truth_ns["labels"], strict=True):
        assert got_labels[(c, n)] == json.loads(raw), (c, n)
    workloads = frames_of(batches, "workload")
    pods = s.facts("pod_usage_hourly")
    expected = set(zip(pods["cluster_id"], pods["namespace"], pods["workload"], pods["workload_kind"], strict=True))
    assert set(zip(workloads["cluster_id"], workloads["namespace"], workloads["workload"], workloads["kind"],
                   strict=True)) == expected


def test_a_url_per_cluster_gives_the_same_facts(collected: tuple[PrometheusCollector, list],
                                                prometheus_estate: PrometheusEstate) -> None:
    """Per-cluster servers: here the same server with each cluster's matcher, as a sharded setup does."""
    _, thanos_batches = collected
    clusters = [ClusterEndpoint(cluster_id=c, url=prometheus_estate.server.url, selector={"cluster": c})
                for c in prometheus_estate.slice.clusters]
    collector = PrometheusCollector(PrometheusSourceConfig(clusters=clusters, scrape_interval_seconds=STEP_SECONDS,
                                                           concurrency=2, chunk_hours=2))
    batches = list(collector.collect(prometheus_estate.slice.window))
    # Two chunks (2 h + 1 h) per cluster, no discovery query.
    assert collector.stats.queries == 2 * len(all_queries(peak_cpu=True)) * len(clusters)
    for table, keys in FACT_KEYS.items():
        a = frames_of(batches, table).sort_values(keys).reset_index(drop=True)
        b = frames_of(thanos_batches, table).sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-12)


def test_benchmark_runs_on_tiny_data() -> None:
    """The benchmark on the tiny estate: its own Prometheus, the collector and the per-workload baseline."""
    from bench import run_benchmark

    result = run_benchmark("collect-prometheus", "tiny")
    assert result["bench"] == "collect-prometheus" and result["pods"] > 0
    assert result["queries"] == result["clusters"] * len(all_queries(peak_cpu=True))
    assert result["baseline_queries"] > 5 * result["queries"]  # identical facts checked inside the benchmark
    assert result["seconds"] > 0 and result["baseline_seconds"] > 0


def test_example_config_is_valid(tmp_path: Path) -> None:
    from ecs_insight.settings import PROJECT_ROOT, load_settings
    from ecs_insight.sources import build_collector

    text = (PROJECT_ROOT / "config" / "prometheus.example.yaml").read_text(encoding="utf-8")
    token = tmp_path / "token"
    token.write_text("sa-token\n")
    path = tmp_path / "example.yaml"
    path.write_text(text.replace("/var/run/secrets/kubernetes.io/serviceaccount/token", str(token)))
    settings = load_settings(path, environ={"ECS_INSIGHT_PROM_TOKEN_GFTS": "t"})
    cfg = settings.sources.prometheus
    assert cfg is not None and cfg.thanos is not None
    assert cfg.thanos.bearer_token is not None and cfg.thanos.bearer_token.get_secret_value() == "sa-token"
    assert "sa-token" not in repr(cfg)
    collector = build_collector("prometheus", settings)
    assert "ecs/cost-centre" in collector.label_keys  # type: ignore[attr-defined]
