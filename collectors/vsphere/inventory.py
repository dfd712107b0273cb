"""The vCenter inventory in a few round trips: one container view, one paged property retrieval.

Datacenters, clusters, hosts, VMs, datastores and resource pools come back in one
``RetrievePropertiesEx`` (plus continuation pages on large estates), together with the
PerformanceManager's counter catalogue and historical intervals, so reading the whole inventory
costs about four SOAP calls whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyVmomi import vim, vmodl

# Properties read per type. Only what the warehouse keeps and the parent links that place each
# object in its datacenter and cluster.
PROPERTIES: dict[Any, tuple[str, ...]] = {
    vim.Datacenter: ("name", "parent"),
    vim.Folder: ("name", "parent"),
    vim.ComputeResource: ("name", "parent"),
    vim.ClusterComputeResource: ("name", "parent"),
    vim.HostSystem: ("name", "parent", "summary.hardware.numCpuCores", "summary.hardware.cpuMhz",
                     "summary.hardware.memorySize"),
    vim.VirtualMachine: ("name", "config.uuid", "config.template", "config.hardware.numCPU",
                         "config.hardware.memoryMB", "runtime.host", "runtime.powerState", "resourcePool"),
    vim.Datastore: ("name", "parent", "summary.capacity", "summary.freeSpace", "summary.type"),
    vim.ResourcePool: ("name", "owner"),
}
PERF_PROPERTIES = ("perfCounter", "historicalInterval")


@dataclass
class Inventory:
    """Objects by type, each a dict of its properties plus ``_ref`` (the managed object)."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # type -> moid -> props
    counters: dict[str, Any] = field(default_factory=dict)  # "cpu.usagemhz.average" -> PerfCounterInfo
    intervals: list[tuple[int, int]] = field(default_factory=list)  # (samplingPeriod s, length s)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return list(self.objects.get(kind, {}).values())

    def get(self, ref: Any) -> dict[str, Any] | None:
        if ref is None:
            return None
        return self.objects.get(type(ref).__name__.split(".")[-1], {}).get(ref._moId)

    def datacenter_of(self, ref: Any) -> str | None:
        """Name of the datacenter above ``ref``, walking parent links."""
        seen = 0
        while ref is not None and seen < 64:
            if isinstance(ref, vim.Datacenter):
                found = self.get(ref)
                return found["name"] if found else None
            props = self.get(ref)
            ref = props.get("parent") if props else None
            seen += 1
        return None


def read_inventory(content: Any, page_size: int = 1000, catalogue: bool = True) -> Inventory:
    """Read the whole inventory, and with ``catalogue`` the perf counters and historical intervals.

    The counter catalogue (hundreds of counters) is most of the response on a small estate and does
    not change between collections, so a collector reads it once per vCenter and passes False after.
    """
    view = content.viewManager.CreateContainerView(content.rootFolder, list(PROPERTIES), True)
    try:
        traverse = vmodl.query.PropertyCollector.TraversalSpec(name="view", path="view", skip=False,
                                                               type=vim.view.ContainerView)
        inventory_spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traverse])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=kind, pathSet=list(paths))
                     for kind, paths in PROPERTIES.items()],
        )
        perf_spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=content.perfManager, skip=False)],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.PerformanceManager,
                                                                pathSet=list(PERF_PROPERTIES))],
        )
        specs = [inventory_spec, perf_spec] if catalogue else [inventory_spec]
        found = _retrieve(content.propertyCollector, specs, page_size)
    finally:
        view.DestroyView()
    return _index(found)


def _retrieve(collector: Any, specs: list[Any], page_size: int) -> list[Any]:
    """Every ObjectContent of ``specs``, following continuation tokens page by page."""
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
    result = collector.RetrievePropertiesEx(specSet=specs, options=options)
    out: list[Any] = []
    while result is not None:
        out.extend(result.objects or [])
        if not result.token:
            break
        result = collector.ContinueRetrievePropertiesEx(token=result.token)
    return out


def _index(contents: Iterable[Any]) -> Inventory:
    inventory = Inventory()
    for item in contents:
        obj = item.obj
        props = {p.name: p.val for p in item.propSet or []}
        if isinstance(obj, vim.PerformanceManager):
            for counter in props.get("perfCounter") or []:
                name = f"{counter.groupInfo.key}.{counter.nameInfo.key}.{counter.rollupType}"
                inventory.counters[name] = counter
            inventory.intervals = sorted((int(i.samplingPeriod), int(i.length))
                                         for i in props.get("historicalInterval") or [] if i.enabled)
            continue
        kind = type(obj).__name__.split(".")[-1]
        bucket = inventory.objects.setdefault(kind, {})
        bucket.setdefault(obj._moId, {"_ref": obj}).update(props)
    return inventory
