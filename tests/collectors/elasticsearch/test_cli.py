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
