"""Inventory against a simulated vCenter: counts as started, relationships, few round trips."""

from __future__ import annotations

from types import SimpleNamespace

from collectors.vsphere.collector import dimensions, entity_rows
from collectors.vsphere.connection import connect
from collectors.vsphere.inventory import _retrieve, read_inventory
from testbed.vcsim import VcsimServer
from tests.vsphere.conftest import vcenter_of


def test_inventory_counts_equal_what_vcsim_was_started_with(vcsim: VcsimServer) -> None:
    session = connect(vcenter_of(vcsim), 30)
    try:
        before = session.calls.total
        inventory = read_inventory(session.content)
        round_trips = session.calls.total - before
    finally:
        session.close()
    assert len(inventory.of("Datacenter")) == vcsim.datacenters
    assert len(inventory.of("ClusterComputeResource")) == vcsim.datacenters * vcsim.clusters
    assert len(inventory.of("HostSystem")) == vcsim.hosts
    assert len(inventory.of("VirtualMachine")) == vcsim.vms
    assert len(inventory.of("Datastore")) == vcsim.datastores
    assert len(inventory.of("ResourcePool")) == vcsim.resource_pools
    # One view, one property retrieval (inventory and counter catalogue together), one view destroyed.
    assert round_trips == 3
    assert {"cpu.usagemhz.average", "cpu.ready.summation", "mem.consumed.average",
            "disk.capacity.latest"} <= set(inventory.counters)


class PagingCollector:
    """A PropertyCollector that returns three pages. vcsim ignores maxObjects and never pages, so the
    continuation path is exercised with this stand-in; real vCenters page large inventories."""

    def __init__(self) -> None:
        self.continued = 0

    def RetrievePropertiesEx(self, specSet: object, options: object) -> SimpleNamespace:
        return SimpleNamespace(objects=[1, 2], token="t1")

    def ContinueRetrievePropertiesEx(self, token: str) -> SimpleNamespace:
        self.continued += 1
        return SimpleNamespace(objects=[3, 4], token="t2") if token == "t1" else SimpleNamespace(objects=[5],
                                                                                                  token=None)


def test_continuation_pages_are_followed_to_the_end() -> None:
    collector = PagingCollector()
    assert _retrieve(collector, [], 2) == [1, 2, 3, 4, 5]
    assert collector.continued == 2


def test_dimension_rows_place_vms_on_hosts_and_hosts_in_clusters(vcsim: VcsimServer) -> None:
    session = connect(vcenter_of(vcsim, name="vc-a"), 30)
    try:
        dims = dimensions(entity_rows(read_inventory(session.content), "vc-a"))
    finally:
        session.close()
    hosts, vms, stores = dims["vsphere_host"], dims["vsphere_vm"], dims["datastore"]
    assert len(hosts) == vcsim.hosts and hosts["host"].is_unique
    assert (hosts["vcenter"] == "vc-a").all() and (hosts["datacenter"] == "DC0").all()
    clustered = hosts.dropna(subset=["vsphere_cluster"])
    assert len(clustered) == vcsim.clusters * vcsim.cluster_hosts
    assert clustered.groupby("vsphere_cluster").size().eq(vcsim.cluster_hosts).all()
    assert (hosts["cpu_cores"] > 0).all() and (hosts["memory_bytes"] > 0).all()
    assert len(vms) == vcsim.vms and vms["vm_uuid"].is_unique
    assert vms["vm_uuid"].str.fullmatch(r"[0-9a-f-]{36}").all()
    assert set(vms["host"]) <= set(hosts["host"])
    # A VM's cluster is its host's cluster.
    host_cluster = dict(zip(hosts["host"], hosts["vsphere_cluster"], strict=True))
    for host, cluster in zip(vms["host"], vms["vsphere_cluster"], strict=True):
        assert (cluster if isinstance(cluster, str) else None) == (
            host_cluster[host] if isinstance(host_cluster[host], str) else None)
    assert vms["node"].isna().all() and vms["cluster_id"].isna().all()  # resolved at load time
    assert len(stores) == vcsim.datastores and (stores["capacity_bytes"] > 0).all()
