"""Host contention facts (CPU demand and ready, ballooned and swapped memory) from a simulated vCenter:
the host's own counters, the fall-back to its VMs' sums when the vCenter has none, and the figures
stored and read back on both engines.

vcsim replays recorded samples plus random noise, so values are checked against ranges and
invariants; where the test sets the simulator's series (``series=``), sums are checked exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.vsphere.collector import HOST_FROM_VMS, VSphereCollector, fill_from_vms
from common.windows import Window
from ingest import collect_window
from testbed.vcsim import VcsimServer
from tests.vsphere.conftest import (
    CPU_READY,
    MEM_SWAPPED,
    MEM_SWAPUSED,
    MEM_VMMEMCTL,
    by_table,
    config_of,
    vcenter_of,
)
from warehouse.vsphere import host_contention_hourly

T0 = datetime(2026, 3, 2, 9)
WINDOW = Window(T0, T0 + timedelta(hours=3))
HOUR_MS = 3_600_000


def clock() -> datetime:
    return WINDOW.end + timedelta(hours=1)  # a recent window: the 300 s interval is still kept


def collect(server: VcsimServer, name: str = "vc-a") -> dict[str, pd.DataFrame]:
    collector = VSphereCollector(config_of(vcenter_of(server, name=name)), clock=clock)
    return by_table(collector.collect(WINDOW))


def vm_sums(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    vms = tables["vsphere_vm_hourly"].merge(tables["vsphere_vm"][["vm_uuid", "num_cpu"]], on="vm_uuid")
    return vms.groupby(["host", "hour"])[[*HOST_FROM_VMS, "num_cpu"]].sum(min_count=1)


@pytest.fixture(scope="module")
def tables(vcsim: VcsimServer) -> dict[str, pd.DataFrame]:
    return collect(vcsim)


def test_hosts_have_their_own_demand_and_ready(tables: dict[str, pd.DataFrame]) -> None:
    hosts = tables["vsphere_host_hourly"]
    assert hosts["cpu_demand_mhz"].notna().all() and (hosts["cpu_demand_mhz"] > 0).all()
    assert hosts["cpu_ready_ms"].notna().all() and (hosts["cpu_ready_ms"] > 0).all()
    # Ready time summed over the hour cannot exceed an hour per vCPU of the VMs the host ran.
    sums = vm_sums(tables)
    busy = hosts.join(sums[["num_cpu"]], on=["host", "hour"]).dropna(subset=["num_cpu"])
    assert len(busy) > 0
    assert (busy["cpu_ready_ms"] <= HOUR_MS * busy["num_cpu"]).all()
    # A host with no VM in the inventory still has its own counters (not a sum of nothing).
    idle = set(tables["vsphere_host"]["host"]) - set(tables["vsphere_vm"]["host"].dropna())
    assert idle and hosts[hosts["host"].isin(idle)]["cpu_ready_ms"].notna().all()


def test_no_balloon_or_swap_series_anywhere_stays_null(tables: dict[str, pd.DataFrame]) -> None:
    # Stock vcsim keeps no mem.vmmemctl/mem.swapused for hosts nor mem.vmmemctl/mem.swapped for VMs.
    hosts = tables["vsphere_host_hourly"]
    assert hosts["memory_ballooned_bytes"].isna().all() and hosts["memory_swapped_bytes"].isna().all()


def test_host_counters_the_vcenter_lacks_are_the_sums_of_its_vms(
        spare_vcsim: Callable[..., VcsimServer]) -> None:
    server = spare_vcsim(cluster_hosts=3, vms_per_pool=2, series={
        ("VirtualMachine", MEM_VMMEMCTL): [2048, 4096, 3072],  # KiB
        ("VirtualMachine", MEM_SWAPPED): [1024, 512],
        ("HostSystem", CPU_READY): [],  # the host's ready counter answers with no values
        ("HostSystem", MEM_VMMEMCTL): [],
        ("HostSystem", MEM_SWAPUSED): [],
    })
    tables = collect(server, "vc-fallback")
    hosts = tables["vsphere_host_hourly"].set_index(["host", "hour"])
    sums = vm_sums(tables)
    assert len(sums) > 0
    vms = tables["vsphere_vm_hourly"]
    assert (vms["memory_ballooned_bytes"] > 0).all() and (vms["memory_swapped_bytes"] > 0).all()
    for column in ("cpu_ready_ms", "memory_ballooned_bytes", "memory_swapped_bytes"):
        np.testing.assert_allclose(hosts.loc[sums.index, column], sums[column], rtol=1e-12, err_msg=column)
    # Two VMs on three hosts: a host without VMs has no sum to fall back on, so NULL, not zero.
    empty = hosts.drop(sums.index)
    assert len(empty) > 0
    assert empty[["cpu_ready_ms", "memory_ballooned_bytes", "memory_swapped_bytes"]].isna().all().all()
    # Demand still comes from the host's own counter, on every host.
    assert hosts["cpu_demand_mhz"].notna().all()


def frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns)).astype({c: "float64" for c in HOST_FROM_VMS})


def test_a_sum_over_some_of_the_vms_is_not_used() -> None:
    cols = ("host", "hour", *HOST_FROM_VMS)
    hosts = frame([{"host": "h1", "hour": T0}, {"host": "h2", "hour": T0, "cpu_ready_ms": 7.0}], cols)
    vms = frame([
        {"host": "h1", "hour": T0, "cpu_ready_ms": 10.0, "cpu_demand_mhz": 5.0, "memory_swapped_bytes": 1.0},
        {"host": "h1", "hour": T0, "cpu_ready_ms": 20.0, "cpu_demand_mhz": None, "memory_swapped_bytes": 2.0},
        {"host": "h2", "hour": T0, "cpu_ready_ms": 99.0},
    ], cols)
    out = fill_from_vms(hosts, vms).set_index("host")
    assert out.loc["h1", "cpu_ready_ms"] == 30.0 and out.loc["h1", "memory_swapped_bytes"] == 3.0
    assert np.isnan(out.loc["h1", "cpu_demand_mhz"])  # one VM without demand: no sum
    assert np.isnan(out.loc["h1", "memory_ballooned_bytes"])  # no VM has it
    assert out.loc["h2", "cpu_ready_ms"] == 7.0  # the host's own value wins


def test_host_contention_is_stored_and_read_back(warehouse_engine: sa.Engine, vcsim: VcsimServer) -> None:
    collector = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-a")), clock=clock)
    report = collect_window(warehouse_engine, collector, WINDOW)
    assert not report.failures
    out = host_contention_hourly(warehouse_engine, WINDOW)
    assert len(out) == vcsim.hosts * WINDOW.hours()
    assert (out["cpu_ready_ms"] > 0).all() and (out["cpu_demand_mhz"] > 0).all()
    busy = out[out["vms"] > 0]
    assert len(busy) > 0
    np.testing.assert_allclose(busy["cpu_ready_percent"], busy["cpu_ready_ms"] * 100 / (busy["vcpus"] * HOUR_MS),
                               rtol=1e-9)
    assert busy["cpu_ready_percent"].between(0, 100).all()
    assert out.loc[out["vms"] == 0, "cpu_ready_percent"].isna().all()  # no vCPUs to divide by
    assert out["memory_ballooned_gib"].isna().all() and out["memory_swapped_gib"].isna().all()
