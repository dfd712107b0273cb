"""`ecs-insight schedule --once` as cron runs it: the exit code says whether everything was collected
(exit 0 after a clean run is checked against a real Prometheus in tests/collectors/test_prometheus_cli.py)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ecs_insight.cli import app
from testbed.procs import free_port


def _config(tmp_path: Path, prometheus_url: str) -> Path:
    config = tmp_path / "insight.yaml"
    config.write_text(f"""
warehouse:
  url: duckdb:///{tmp_path / 'w.duckdb'}
sources:
  synthetic: null
  prometheus:
    clusters: [{{cluster_id: gone-01, url: "{prometheus_url}"}}]
    retries: 0
schedule:
  max_catchup_hours: 1
""")
    return config


def test_a_source_that_fails_makes_the_run_exit_1_and_is_recorded(tmp_path: Path) -> None:
    config = _config(tmp_path, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    result = CliRunner().invoke(app, ["schedule", "--once", "--config", str(config)])
    assert result.exit_code == 1, result.output
    runs = CliRunner().invoke(app, ["runs", "--format", "json", "--config", str(config)])
    assert '"cluster_id":"gone-01"' in runs.stdout and '"status":"failed"' in runs.stdout

