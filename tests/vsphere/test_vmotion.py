"""VM-hours placed on the host the VM ran on, from a simulated vCenter's migration events.

Each test starts its own small vcsim (``spare_vcsim``): a VM is moved there, and the session's
shared vcsim, whose VMs other tests check against their current hosts, stays untouched.

vcsim's RelocateVM_Task changes the VM's host but posts no event, so the test posts the event a
vCenter would, with EventManager.PostEvent; vcsim stamps it with its real current time. The window
collected ends before that, so its hours were on the source host. The event posted is a
DrsVmMigratedEvent (a VmMigratedEvent subtype): this vcsim's message template for a plain
VmMigratedEvent has a typo and its PostEvent fails on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from pyVim.task import WaitForTask
from pyVmomi import vim

from collectors.base import ScopeFailure
from collectors.vsphere.collector import VSphereCollector
from collectors.vsphere.config import VCenterConfig
from collectors.vsphere.connection import VCenterSession, connect
from collectors.vsphere.events import EVENT_CALLS
from collectors.vsphere.inventory import read_inventory
from collectors.vsphere.perf import now_utc
from common.windows import Window, floor_hour
from ingest import collect_window
from testbed.vcsim import VcsimServer
from tests.vsphere.conftest import CPU_READY, by_table, config_of, vcenter_of
from warehouse.dimensions import read_dimension
from warehouse.load import upsert_dimension
from warehouse.schema import vsphere_vm_hourly
from warehouse.vsphere import host_contention_hourly, node_vm_hourly


def migrate(server: VcsimServer) -> tuple[str, str, str]:
    """Move a powered-on VM to a host of another cluster and post the event; (uuid, from, to)."""
    session = connect(vcenter_of(server), 30)
    try:
        content = session.content
        inventory = read_inventory(content, catalogue=False)
        vm = next(v for v in inventory.of("VirtualMachine") if v.get("runtime.powerState") == "poweredOn")
        source = inventory.get(vm["runtime.host"])
        assert source is not None
        target = next(h for h in inventory.of("HostSystem") if h["parent"] != source["parent"])
        WaitForTask(vm["_ref"].RelocateVM_Task(spec=vim.vm.RelocateSpec(host=target["_ref"])))
        cluster = inventory.get(source["parent"])
        assert cluster is not None
        event = vim.event.DrsVmMigratedEvent(
            key=0, chainId=0, createdTime=datetime.now(UTC), userName=server.username,
            vm=vim.event.VmEventArgument(vm=vm["_ref"], name=vm["name"]),
            computeResource=vim.event.ComputeResourceEventArgument(computeResource=cluster["_ref"],
                                                                   name=cluster["name"]),
            host=vim.event.HostEventArgument(host=target["_ref"], name=target["name"]),
            sourceHost=vim.event.HostEventArgument(host=source["_ref"], name=source["name"]))
        content.eventManager.PostEvent(eventToPost=event)
        return str(vm["config.uuid"]).lower(), source["name"], target["name"]
    finally:
        session.close()


@pytest.fixture
def moved(spare_vcsim: Callable[..., VcsimServer]) -> tuple[VcsimServer, Window, tuple[str, str, str]]:
    # No host ready-time series: each host-hour's ready time is the sum of its VMs' of that hour.
    server = spare_vcsim(clusters=2, cluster_hosts=1, vms_per_pool=3, series={("HostSystem", CPU_READY): []})
    end = floor_hour(now_utc())  # before the move, which happens now
    return server, Window(end - timedelta(hours=2), end), migrate(server)


def test_a_window_collected_after_a_vmotion_keeps_the_vm_on_its_source_host(moved: Any) -> None:
    server, window, (uuid, source, target) = moved
    collector = VSphereCollector(config_of(vcenter_of(server, name="vc-m")), clock=now_utc)
    tables = by_table(list(collector.collect(window)))
    vm_rows = tables["vsphere_vm_hourly"]
    mine = vm_rows[vm_rows["vm_uuid"] == uuid]
    clusters = tables["vsphere_host"].set_index("host")["vsphere_cluster"]
    assert clusters[source] != clusters[target]  # a move across vSphere clusters
    assert len(mine) == 2 and (mine["host"] == source).all()  # the hours it ran there
    assert (mine["vsphere_cluster"] == clusters[source]).all()
    dimension = tables["vsphere_vm"].set_index("vm_uuid")
    assert dimension.loc[uuid, "host"] == target  # where it runs now
    assert dimension.loc[uuid, "vsphere_cluster"] == clusters[target]
    others = vm_rows[vm_rows["vm_uuid"] != uuid]
    assert (others["host"] == others["vm_uuid"].map(dimension["host"])).all()

    # The host fill sums each host's VMs by the hour's host: the moved VM counts on its source.
    hosts = tables["vsphere_host_hourly"].set_index(["host", "hour"])["cpu_ready_ms"]
    sums = vm_rows.groupby(["host", "hour"])["cpu_ready_ms"].sum()
    assert hosts.notna().all() and len(sums) > 0
    for key, total in sums.items():
        assert hosts[key] == pytest.approx(total)
    assert (hosts.loc[source] > sums.loc[source] - mine.set_index("hour")["cpu_ready_ms"]).all()

    stats = collector.stats["vc-m"]
    assert stats.migrations == 1 and stats.event_seconds > 0
    assert [stats.by_method[m] for m in EVENT_CALLS] == [1, 1, 2, 1]  # one page of events, then an empty one
    assert stats.round_trips == 4 + sum(stats.by_method[m] for m in EVENT_CALLS) + stats.query_calls


def test_the_stored_hours_join_the_host_the_vm_ran_on(moved: Any, warehouse_engine: sa.Engine) -> None:
    server, window, (uuid, source, target) = moved
    # The moved VM is an OpenShift node, so node_vm_hourly reports it.
    upsert_dimension(warehouse_engine, "node", pd.DataFrame([{
        "cluster_id": "ocp-m", "node": "worker-m", "role": "worker", "provider_id": f"vsphere://{uuid}"}]))
    collector = VSphereCollector(config_of(vcenter_of(server, name="vc-m")), clock=now_utc)
    assert not collect_window(warehouse_engine, collector, window).failures
    with warehouse_engine.connect() as conn:
        stored = conn.execute(sa.select(vsphere_vm_hourly.c.host, vsphere_vm_hourly.c.vsphere_cluster)
                              .where(vsphere_vm_hourly.c.vm_uuid == uuid)).all()
    assert len(stored) == 2 and {host for host, _ in stored} == {source}
    clusters = read_dimension(warehouse_engine, "vsphere_host").set_index("host")["vsphere_cluster"]
    assert {cluster for _, cluster in stored} == {clusters[source]} != {clusters[target]}
    on_hosts = host_contention_hourly(warehouse_engine, window).set_index(["host", "hour"])["vms"]
    now_on = read_dimension(warehouse_engine, "vsphere_vm")["host"].value_counts()
    # Each hour the source host ran the moved VM as well as those on it now; the target did not yet.
    assert (on_hosts.loc[source] == now_on.get(source, 0) + 1).all()
    assert (on_hosts.loc[target] == now_on[target] - 1).all()

    # The node's hours are in the vSphere cluster of the hour's host; rows stored before that was
    # kept per hour (NULL) fall back to the cluster the hour's host is in, never the VM's current
    # one: an hour on a host the inventory no longer has stays without a cluster.
    node_hours = node_vm_hourly(warehouse_engine, window)
    assert list(node_hours["vm_uuid"]) == [uuid] * 2
    assert set(node_hours["vsphere_cluster"]) == {clusters[source]}
    with warehouse_engine.begin() as conn:
        conn.execute(sa.update(vsphere_vm_hourly).where(vsphere_vm_hourly.c.vm_uuid == uuid)
                     .values(vsphere_cluster=None))
    assert set(node_vm_hourly(warehouse_engine, window)["vsphere_cluster"]) == {clusters[source]}
    with warehouse_engine.begin() as conn:
        conn.execute(sa.update(vsphere_vm_hourly).where(vsphere_vm_hourly.c.vm_uuid == uuid)
                     .values(host="decommissioned-host"))
    assert node_vm_hourly(warehouse_engine, window)["vsphere_cluster"].isna().all()


def test_a_move_after_the_collection_time_is_not_replayed(moved: Any) -> None:
    """vcsim returns events whatever their time; those after the collector's clock are dropped."""
    server, window, (uuid, _, target) = moved
    collector = VSphereCollector(config_of(vcenter_of(server, name="vc-m")), clock=lambda: window.end)
    tables = by_table(list(collector.collect(window)))
    mine = tables["vsphere_vm_hourly"][tables["vsphere_vm_hourly"]["vm_uuid"] == uuid]
    assert collector.stats["vc-m"].migrations == 0
    assert len(mine) == 2 and (mine["host"] == target).all()


def test_a_move_between_the_clock_reading_and_the_inventory_read_is_replayed(moved: Any) -> None:
    """The collector reads the clock (window.end here), then the inventory, where the VM is already on
    its new host: the move's event (stamped at vcsim's real time, later) is read up to a second clock
    reading after the inventory, so the window's hours stay on the source host."""
    server, window, (uuid, source, _) = moved
    readings = iter([window.end, now_utc() + timedelta(minutes=1)])
    collector = VSphereCollector(config_of(vcenter_of(server, name="vc-m")), clock=lambda: next(readings))
    tables = by_table(list(collector.collect(window)))
    mine = tables["vsphere_vm_hourly"][tables["vsphere_vm_hourly"]["vm_uuid"] == uuid]
    assert collector.stats["vc-m"].migrations == 1
    assert len(mine) == 2 and (mine["host"] == source).all()


class RefusesEvents:
    """Connects normally, then answers CreateCollectorForEvents as a vCenter does for a user without
    the privilege. vcsim grants every user every privilege, so the fault is raised client-side."""

    def __call__(self, vc: VCenterConfig, timeout: float) -> VCenterSession:
        session = connect(vc, timeout)
        record = session.calls.record  # called as each SOAP request is about to be sent

        def refuse(method: str, *args: Any) -> None:
            record(method, *args)
            if method == "CreateCollectorForEvents":
                raise vim.fault.NoPermission(privilegeId="System.View", object=session.content.eventManager)

        session.calls.record = refuse  # type: ignore[method-assign]
        return session


def test_a_user_without_the_event_privilege_fails_that_vcenter_naming_it(vcsim: VcsimServer) -> None:
    window = Window(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))
    collector = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-blind")), connect=RefusesEvents(),
                                 clock=lambda: window.end + timedelta(hours=1))
    out = list(collector.collect(window))
    assert len(out) == 1 and isinstance(out[0], ScopeFailure) and out[0].scope == "vc-blind"
    message = str(out[0].error)
    assert not out[0].error.transient
    assert "vc-blind" in message and "System.View" in message and "migration events" in message
