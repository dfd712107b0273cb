"""The vSphere source as a user runs it: ``ecs-insight collect vsphere``, ``runs``, ``vsphere hosts|nodes``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from testbed.vcsim import VcsimServer

CLI = str(Path(sys.executable).with_name("ecs-insight"))


def run(args: list[str], config: Path, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VC_PASSWORD": password}
    env.pop("ECS_INSIGHT_WAREHOUSE", None)
    return subprocess.run([CLI, *args, "--config", str(config)], capture_output=True, text=True, env=env,
                          timeout=180)


def test_collect_list_runs_and_read_hosts(tmp_path: Path, vcsim: VcsimServer) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "warehouse": {"url": f"duckdb:///{tmp_path / 'w.duckdb'}"},
        "sources": {"synthetic": None, "vsphere": {"vcenters": [{
            "name": "vc-main", "host": vcsim.host, "port": vcsim.port, "username": vcsim.username,
            "password": {"from_env": "VC_PASSWORD"}, "ca_bundle": str(vcsim.cert)}]}},
    }), encoding="utf-8")
    end = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=2)
    window = ["--start", start.isoformat(), "--end", end.isoformat()]

    collected = run(["collect", "vsphere", *window], config, vcsim.password)
    assert collected.returncode == 0, collected.stderr
    assert "rows loaded" in collected.stderr

    listed = run(["runs", "--format", "json"], config, vcsim.password)
    runs = json.loads(listed.stdout)
    assert [(r["source"], r["cluster_id"], r["status"]) for r in runs] == [("vsphere", "vc-main", "succeeded")]

    hosts = run(["vsphere", "hosts", *window, "--format", "json"], config, vcsim.password)
    assert hosts.returncode == 0, hosts.stderr
    rows = json.loads(hosts.stdout)
    assert len(rows) == vcsim.hosts * 2
    assert sum(r["vms"] for r in rows) == vcsim.vms * 2
    assert all(r["vm_ready_percent"] is None or 0 <= r["vm_ready_percent"] <= 100 for r in rows)
    # The host's own contention counters: demand and ready present, ready % per vCPU of its VMs;
    # vcsim keeps no balloon or swap series, so those are empty rather than zero.
    assert all(r["cpu_demand_mhz"] > 0 and r["cpu_ready_ms"] > 0 for r in rows)
    assert all((r["cpu_ready_percent"] is None) == (r["vms"] == 0) for r in rows)
    assert all(r["cpu_ready_percent"] is None or 0 < r["cpu_ready_percent"] <= 100 for r in rows)
    assert all(r["memory_ballooned_gib"] is None and r["memory_swapped_gib"] is None for r in rows)
    table = run(["vsphere", "hosts", *window], config, vcsim.password)
    assert table.returncode == 0, table.stderr
    for heading in ("ready %", "demand MHz", "ballooned GiB", "swapped GiB"):
        assert heading in table.stdout
    assert "nan" not in table.stdout  # the standalone host has no vSphere cluster: an empty cell

    nodes = run(["vsphere", "nodes", *window, "--format", "json"], config, vcsim.password)
    assert nodes.returncode == 0 and json.loads(nodes.stdout) == []  # no OpenShift nodes loaded here
    clusters = run(["vsphere", "clusters", "--format", "csv"], config, vcsim.password)
    assert clusters.returncode == 0 and clusters.stdout.startswith("vcenter,vsphere_cluster,cluster_id")

    refused = run(["collect", "vsphere", *window], config, "wrong")
    assert refused.returncode == 1 and "login refused" in refused.stderr
