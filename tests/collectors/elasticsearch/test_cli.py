"""``ecs-insight collect elasticsearch`` as an operator runs it: a config file, the real server, a warehouse file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
import yaml

from tests.collectors.conftest import ElasticsearchEstate
from warehouse.schema import collection_run, log_volume_hourly

CLI = str(Path(sys.executable).with_name("ecs-insight"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300, check=False)


def test_collect_command_loads_the_clusters_logs(elasticsearch_estate: ElasticsearchEstate, tmp_path: Path) -> None:
    es = elasticsearch_estate
    warehouse = tmp_path / "wh.duckdb"
    config = tmp_path / "insight.yaml"
    config.write_text(yaml.safe_dump({
        "warehouse": {"url": f"duckdb:///{warehouse}"},
        "sources": {"synthetic": None, "elasticsearch": {
            "hosts": [es.server.url], "clusters": list(es.slice.clusters),
            "fields": {"preset": "openshift", "bytes": "message_size"}, "backoff_seconds": 0}},
    }))
    w = es.slice.window
    done = run("collect", "elasticsearch", "--start", w.start.isoformat(), "--end", w.end.isoformat(),
               "--config", str(config))
    assert done.returncode == 0, done.stderr
    truth = es.slice.facts("log_volume_hourly")
    truth = truth[truth["documents"] > 0]
    assert f"elasticsearch: {len(truth):,} rows loaded" in done.stderr
    again = run("collect", "elasticsearch", "--start", w.start.isoformat(), "--end", w.end.isoformat(),
                "--config", str(config))
    assert again.returncode == 0, again.stderr
    incremental = run("collect", "elasticsearch", "--config", str(config))  # from now back: no logs there
    assert incremental.returncode == 0, incremental.stderr
    engine = sa.create_engine(f"duckdb:///{warehouse}")
    try:
        with engine.connect() as conn:
            stored = pd.DataFrame(conn.execute(sa.select(log_volume_hourly)).mappings().all())
            runs = pd.DataFrame(conn.execute(sa.select(collection_run)).mappings().all())
    finally:
        engine.dispose()
    assert len(stored) == len(truth) and stored["documents"].sum() == truth["documents"].sum()
    assert stored["bytes"].sum() == truth["bytes"].sum()
    assert set(runs["cluster_id"]) == set(es.slice.clusters) and (runs["status"] == "succeeded").all()
    assert (runs["source"] == "elasticsearch").all() and len(runs) >= 3 * len(es.slice.clusters)


def test_the_example_configs_run_line_is_a_command_the_cli_accepts(tmp_path: Path) -> None:
    """The example's ``Run:`` comment, on the example's settings pointed at a closed port: the
    arguments parse and each cluster fails as unreachable (exit 1), not as a usage error (exit 2)."""
    from testbed.procs import free_port

    example = Path(__file__).parents[3] / "config" / "elasticsearch.example.yaml"
    run_line = next(line for line in example.read_text().splitlines() if "Run: ecs-insight collect" in line)
    args = run_line.split("Run: ecs-insight ", 1)[1].split()
    settings = yaml.safe_load(example.read_text())
    es = settings["sources"]["elasticsearch"]
    es.update(hosts=[f"http://127.0.0.1:{free_port()}"], retries=0, request_timeout_seconds=2)
    del es["ca_bundle"], es["api_key"]
    settings["warehouse"]["url"] = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    config = tmp_path / "insight.yaml"
    config.write_text(yaml.safe_dump(settings))
    done = run(*args, "--config", str(config))
    assert done.returncode == 1, done.stderr + done.stdout
    assert "0 rows loaded" in done.stderr + done.stdout and "ConnectionError" in done.stderr + done.stdout
