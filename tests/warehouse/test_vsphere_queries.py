"""vSphere facts joined to nodes, clusters, sectors and hosts, on both engines, against the estate's truth."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from common.windows import Window
from estate import EstateConfig, SyntheticEstate, SyntheticSource
from ingest import collect_window
from warehouse.vsphere import host_contention_hourly, node_vm_hourly

HOURS = 3


@pytest.fixture(scope="module")
def estate() -> SyntheticEstate:
    return SyntheticEstate(EstateConfig(profile="tiny", seed=7))


@pytest.fixture
def loaded(warehouse_engine: sa.Engine, estate: SyntheticEstate) -> tuple[sa.Engine, Window]:
    start = estate.window.start + timedelta(hours=12)
    window = Window(start, start + timedelta(hours=HOURS))
    report = collect_window(warehouse_engine, SyntheticSource(estate), window)
    assert not report.failures
    return warehouse_engine, window


def truth(estate: SyntheticEstate, window: Window, table: str) -> pd.DataFrame:
    return pd.concat([b.frame for b in estate.collect(window, tables=[table])], ignore_index=True)


def test_every_node_hour_has_its_vm_and_host_figures(loaded: tuple[sa.Engine, Window],
                                                     estate: SyntheticEstate) -> None:
    engine, window = loaded
    out = node_vm_hourly(engine, window)
    dims = estate.dimensions()
    nodes, clusters = dims["node"], dims["cluster"]
    assert len(out) == len(nodes) * HOURS
    assert set(zip(out["cluster_id"], out["node"], strict=True)) == set(zip(nodes["cluster_id"], nodes["node"],
                                                                            strict=True))
    owners = dict(zip(clusters["cluster_id"], clusters["owner_sector_id"], strict=True))
    assert (out["sector_id"].fillna("-") == out["cluster_id"].map(owners).fillna("-")).all()
    vm = truth(estate, window, "vsphere_vm_hourly").merge(dims["vsphere_vm"][["vcenter", "vm_uuid", "num_cpu"]])
    expected = vm.set_index(["vcenter", "vm_uuid", "hour"])
    got = out.set_index(["vcenter", "vm_uuid", "hour"])
    ready = expected.loc[got.index, "cpu_ready_ms"] * 100 / (expected.loc[got.index, "num_cpu"] * 3_600_000)
    np.testing.assert_allclose(got["cpu_ready_percent"], ready, rtol=1e-9)
    np.testing.assert_allclose(got["cpu_usage_mhz"], expected.loc[got.index, "cpu_usage_mhz"], rtol=1e-9)
    hosts = truth(estate, window, "vsphere_host_hourly").set_index(["vcenter", "host", "hour"])
    host_key = pd.MultiIndex.from_arrays([out["vcenter"], out["host"], out["hour"]])
    np.testing.assert_allclose(out["host_cpu_usage_percent"], hosts.loc[host_key, "cpu_usage_percent"], rtol=1e-9)
    for column in ("cpu_demand_mhz", "cpu_ready_ms", "memory_ballooned_bytes", "memory_swapped_bytes"):
        np.testing.assert_allclose(out[f"host_{column}"], hosts.loc[host_key, column], rtol=1e-9, err_msg=column)
    # The host's ready time per vCPU of every VM it ran (nodes and others) in the hour.
    vcpus = vm.groupby(["vcenter", "host", "hour"])["num_cpu"].sum()
    np.testing.assert_allclose(out["host_cpu_ready_percent"],
                               hosts.loc[host_key, "cpu_ready_ms"] * 100 / (vcpus.loc[host_key] * 3_600_000),
                               rtol=1e-9)


def test_node_figures_join_pod_data(loaded: tuple[sa.Engine, Window]) -> None:
    engine, window = loaded
    with engine.connect() as conn:
        pods = pd.DataFrame(conn.execute(sa.text(
            "SELECT DISTINCT cluster_id, node, hour FROM pod_usage_hourly WHERE hour >= :a AND hour < :b"),
            {"a": window.start, "b": window.end}).all(), columns=["cluster_id", "node", "hour"])
    nodes = node_vm_hourly(engine, window)[["cluster_id", "node", "hour"]]
    joined = pods.merge(nodes, how="left", indicator=True)
    assert len(pods) > 0 and (joined["_merge"] == "both").all()


def test_host_contention_sums_the_hosts_vms(loaded: tuple[sa.Engine, Window], estate: SyntheticEstate) -> None:
    engine, window = loaded
    out = host_contention_hourly(engine, window)
    dims = estate.dimensions()
    assert len(out) == len(dims["vsphere_host"]) * HOURS
    vm = truth(estate, window, "vsphere_vm_hourly").merge(
        dims["vsphere_vm"][["vcenter", "vm_uuid", "num_cpu", "cluster_id"]])
    per_host = vm.groupby(["vcenter", "host", "hour"]).agg(
        vms=("vm_uuid", "size"), ready=("cpu_ready_ms", "sum"), vcpus=("num_cpu", "sum"),
        clusters=("cluster_id", "nunique"), usage=("cpu_usage_mhz", "sum"), demand=("cpu_demand_mhz", "sum"))
    got = out.set_index(["vcenter", "host", "hour"])
    busy = got[got["vms"] > 0]
    want = per_host.loc[busy.index]
    assert (busy["vms"] == want["vms"]).all() and (busy["ecs_clusters"] == want["clusters"]).all()
    np.testing.assert_allclose(busy["vm_ready_percent"], want["ready"] * 100 / (want["vcpus"] * 3_600_000), rtol=1e-9)
    np.testing.assert_allclose(busy["demand_over_usage"], want["demand"] / want["usage"], rtol=1e-9)
    assert (busy["demand_over_usage"] >= 1).all()  # the estate's VMs always want a little more than they get
    hosts = truth(estate, window, "vsphere_host_hourly").set_index(["vcenter", "host", "hour"]).loc[got.index]
    np.testing.assert_allclose(got["cpu_demand_mhz"], hosts["cpu_demand_mhz"], rtol=1e-9)
    np.testing.assert_allclose(got["cpu_ready_ms"], hosts["cpu_ready_ms"], rtol=1e-9)
    np.testing.assert_allclose(busy["cpu_ready_percent"], want["ready"] * 100 / (want["vcpus"] * 3_600_000), rtol=1e-9)
    assert got.loc[got["vms"] == 0, "cpu_ready_percent"].isna().all()
    assert (got["memory_ballooned_gib"] == 0).all() and (got["memory_swapped_gib"] == 0).all()
    assert set(got.index) - set(busy.index) == set(got.index) - set(per_host.index)  # idle hosts kept, zero VMs


def test_vsphere_cluster_tenancy_matches_where_clusters_are_declared(loaded: tuple[sa.Engine, Window],
                                                                      estate: SyntheticEstate) -> None:
    from warehouse.vsphere import vsphere_cluster_tenancy

    engine, _ = loaded
    out = vsphere_cluster_tenancy(engine)
    dims = estate.dimensions()
    nodes_vm = dims["vsphere_vm"].dropna(subset=["node"])
    assert out["nodes"].sum() == len(dims["node"]) and out["declared"].all()
    expected = nodes_vm.groupby(["vcenter", "vsphere_cluster", "cluster_id"]).agg(
        nodes=("node", "size"), vcpus=("num_cpu", "sum"))
    got = out.set_index(["vcenter", "vsphere_cluster", "cluster_id"])
    assert sorted(got.index) == sorted(expected.index)
    assert (got.loc[expected.index, "vcpus"] == expected["vcpus"]).all()
    owners = dict(zip(dims["cluster"]["cluster_id"], dims["cluster"]["owner_sector_id"], strict=True))
    assert (out["sector_id"].fillna("-") == out["cluster_id"].map(owners).fillna("-")).all()
