"""The chargeback benchmark runs end to end on tiny data (its figures are not asserted: benchmarks
are measured, not tested)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import chargeback
from ecs_insight.settings import DEFAULT_CONFIG, load_settings


def test_bench_chargeback_on_tiny_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # keep the built warehouse inside the test's directory instead of the shared bench cache
    monkeypatch.setattr(chargeback, "cache_path", lambda profile: tmp_path / f"chargeback-{profile}.duckdb")
    demo = load_settings(DEFAULT_CONFIG, environ={})
    options = {"cost_model": demo.chargeback.cost_model, "mapping": demo.mapping}
    result = chargeback.run(profile="tiny", **options)
    assert result["bench"] == "chargeback" and result["profile"] == "tiny" and result["month"] == "2026-09"
    assert result["seconds"] > 0 and result["baseline_seconds"] > 0
    assert result["pod_hours"] > 1000 and result["lines"] > 50 and float(result["total"]) > 0
    again = chargeback.run(profile="tiny", **options)  # reuses the built warehouse
    assert again["total"] == result["total"] and again["pod_hours"] == result["pod_hours"]
