"""The Prometheus source as a user runs it: `collect`, `completeness`, `runs` and `schedule --once`
from a config file, against the session's real Prometheus."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ecs_insight.cli import app
from tests.collectors.conftest import STEP_SECONDS, PrometheusEstate


def test_collect_then_completeness_then_schedule(prometheus_estate: PrometheusEstate, tmp_path: Path) -> None:
    s = prometheus_estate.slice
    config = tmp_path / "insight.yaml"
    config.write_text(f"""
warehouse:
  url: duckdb:///{tmp_path / 'w.duckdb'}
sources:
  synthetic: null
  prometheus:
    thanos: {{url: "{prometheus_estate.server.url}", cluster_label: cluster, clusters: {list(s.clusters)}}}
    scrape_interval_seconds: {STEP_SECONDS}
schedule:
  max_catchup_hours: 2
""")
    runner = CliRunner()
    start, end = s.window.start.isoformat(), s.window.end.isoformat()
    result = runner.invoke(app, ["collect", "prometheus", "--start", start, "--end", end, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "rows loaded" in result.output
    result = runner.invoke(app, ["completeness", "prometheus", "--start", start, "--end", end, "--format", "json",
                                 "--config", str(config)])
    assert result.exit_code == 0, result.output
    days = json.loads(result.stdout)
    assert {d["scope"] for d in days} == set(s.clusters)
    assert all(d["hours_collected"] == d["hours_with_data"] == s.window.hours() for d in days)
    result = runner.invoke(app, ["collect", "prometheus", "--start", start, "--config", str(config)])
    assert result.exit_code == 2 and "or neither" in result.output
    # The scheduler's run: incremental, the last complete hours (no data there: succeeded, empty).
    result = runner.invoke(app, ["schedule", "--once", "--config", str(config)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["runs", "--format", "json", "--config", str(config)])
    stored = json.loads(result.stdout)
    assert {r["status"] for r in stored} == {"succeeded"}, [r["error"] for r in stored]
    assert len(stored) == 2 * len(s.clusters)
