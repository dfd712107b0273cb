"""The collect-vsphere benchmark runs on tiny data and its figures hang together."""

from __future__ import annotations

from bench.vsphere import run


def test_collect_vsphere_benchmark_on_tiny_data() -> None:
    result = run(profile="tiny")
    assert result["bench"] == "collect-vsphere" and result["vms"] == 50
    assert result["fact_rows"] == result["entities"] == 50 + result["hosts"] + result["datastores"]
    assert result["baseline_query_calls"] == result["entities"]
    assert result["query_calls"] == -(-(50 * 7 + result["hosts"] * 8 + result["datastores"] * 2) // 256)
    assert result["max_metrics_per_call"] <= 256
    assert result["round_trips"] * 5 < result["baseline_round_trips"]
    assert result["event_round_trips"] == 4 and result["event_seconds"] > 0  # an empty event collector
    assert result["samples"] > 0 and result["seconds"] > 0 and result["baseline_seconds"] > 0
    assert result["seconds_at_latency"] < result["baseline_seconds_at_latency"]
