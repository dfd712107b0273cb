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


def write_config(es: ElasticsearchEstate, tmp_path: Path) -> tuple[Path, Path]:
    """A config file collecting the estate's clusters from the session's server into a DuckDB file."""
    warehouse = tmp_path / "wh.duckdb"
    config = tmp_path / "insight.yaml"
    config.write_text(yaml.safe_dump({
        "warehouse": {"url": f"duckdb:///{warehouse}"},
        "sources": {"synthetic": None, "elasticsearch": {
            "hosts": [es.server.url], "clusters": list(es.slice.clusters),
            "fields": {"preset": "openshift", "bytes": "message_size"}, "backoff_seconds": 0}},
    }))
    return config, warehouse


def test_collect_command_loads_the_clusters_logs(elasticsearch_estate: ElasticsearchEstate, tmp_path: Path) -> None:
    es = elasticsearch_estate
    config, warehouse = write_config(es, tmp_path)
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


def test_recollecting_a_window_past_the_retention_keeps_the_stored_figures(
        elasticsearch_estate: ElasticsearchEstate, tmp_path: Path) -> None:
    """The operator re-collects hours whose daily indices ILM has deleted (here: hours before the
    earliest document held): the command exits 1 naming each cluster and its earliest document; a
    window straddling it reloads the held hours to the same figures. (That rows stored for the gone
    hours are kept is checked on the warehouse in test_retention.py.)"""
    from datetime import timedelta

    es = elasticsearch_estate
    config, warehouse = write_config(es, tmp_path)
    w = es.slice.window
    hour = timedelta(hours=1)

    def collect(start: object, end: object) -> subprocess.CompletedProcess[str]:
        return run("collect", "elasticsearch", "--start", str(start).replace(" ", "T")[:16],
                   "--end", str(end).replace(" ", "T")[:16], "--config", str(config))

    def volume() -> pd.DataFrame:
        engine = sa.create_engine(f"duckdb:///{warehouse}")
        try:
            with engine.connect() as conn:
                rows = pd.DataFrame(conn.execute(sa.select(log_volume_hourly)).mappings().all())
        finally:
            engine.dispose()
        return rows.sort_values(["cluster_id", "namespace", "hour"], ignore_index=True)

    assert collect(w.start, w.end).returncode == 0
    loaded = volume()
    assert len(loaded) > 0
    gone = collect(w.start - 3 * hour, w.start)
    assert gone.returncode == 1, gone.stderr
    for cluster in es.slice.clusters:
        assert f"{cluster}: logs for [{(w.start - 3 * hour):%Y-%m-%d %H:%M}, {w.start:%Y-%m-%d %H:%M}) are no " \
               f"longer in Elasticsearch: the earliest document of cluster {cluster} is at" in gone.stderr
    straddling = collect(w.start - 3 * hour, w.end)  # the held hours are collected again, nothing lost
    assert straddling.returncode == 0, straddling.stderr
    assert f"elasticsearch: {len(loaded):,} rows loaded" in straddling.stderr  # reloaded, not skipped
    pd.testing.assert_frame_equal(volume(), loaded)
