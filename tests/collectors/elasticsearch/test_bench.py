"""The collection benchmark keeps working on tiny data (its figures are not asserted: benchmarks are not tests)."""

from __future__ import annotations

from bench.elasticsearch import run


def test_benchmark_runs_and_agrees_with_its_baseline() -> None:
    result = run("tiny")
    assert result["bench"] == "collect-elasticsearch" and result["profile"] == "tiny"
    assert result["agree"] is True and result["failures"] == 0 and result["rows"] > 100
    assert result["seconds"] > 0 and result["baseline_seconds"] > 0
    assert result["requests"] < result["rows"]  # aggregated pages, not a request per namespace-hour


def test_benchmark_is_registered() -> None:
    from bench import names

    assert "collect-elasticsearch" in names()
