"""Read queries joining vSphere facts to OpenShift nodes, ECS clusters and sectors.

A node's VM (``vsphere_vm.cluster_id``/``node``, resolved when the inventory is loaded) carries the
VM's hourly figures to the node, so they join pod data on (cluster_id, node, hour); the VM's host
carries the host's load and the contention its VMs see (CPU ready, demand above usage, balloon and
swap). Aggregation runs in the engine; the result is one row per node-hour or host-hour.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from warehouse.engine import connection
from warehouse.schema import cluster, vsphere_host, vsphere_host_hourly, vsphere_vm, vsphere_vm_hourly

MS_PER_HOUR = 3_600_000.0
GIB = float(1 << 30)


def _ready_percent(ready_ms: sa.ColumnElement, vcpus: sa.ColumnElement) -> sa.ColumnElement:
    """CPU ready as a share of the hour per virtual CPU (the figure vSphere's charts show).

    Ready time accrues per vCPU (a vCPU waiting for a physical CPU), so the denominator is the
    vCPU-hours that could have waited: for a VM its vCPUs, for a host the vCPUs of the VMs that ran
    on it in the hour. A host's figure is then its VMs' average ready per vCPU (about 5% is the
    usual threshold for a closer look); per physical core it would grow with overcommit and could
    exceed 100%. NULL when there are no vCPUs to divide by.
    """
    return ready_ms * 100.0 / (sa.func.nullif(vcpus, 0) * MS_PER_HOUR)


def _frame(bind: sa.Engine | sa.Connection, query: sa.Select) -> pd.DataFrame:
    """The rows of ``query`` as a frame with its selected columns (also when there are none)."""
    with connection(bind) as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(query.selected_columns.keys()))


def _gib(value: sa.ColumnElement) -> sa.ColumnElement:
    return value / GIB


def _host_vms(window: Window, source: str | None) -> sa.Subquery:
    """Per (hour, source, vcenter, host): the VMs with facts there, their vCPUs and summed figures."""
    f, v = vsphere_vm_hourly.c, vsphere_vm.c
    vms = (
        sa.select(
            f.hour, f.source, f.vcenter, f.host,
            sa.func.count().label("vms"),
            sa.func.sum(v.num_cpu).label("vcpus"),
            sa.func.sum(f.cpu_ready_ms).label("cpu_ready_ms"),
            sa.func.sum(f.cpu_usage_mhz).label("vm_cpu_usage_mhz"),
            sa.func.sum(f.cpu_demand_mhz).label("vm_cpu_demand_mhz"),
            sa.func.count(sa.distinct(v.cluster_id)).label("ecs_clusters"),
        )
        .select_from(vsphere_vm_hourly.join(vsphere_vm, sa.and_(v.vcenter == f.vcenter, v.vm_uuid == f.vm_uuid)))
        .where(f.hour >= window.start, f.hour < window.end)
        .group_by(f.hour, f.source, f.vcenter, f.host)
    )
    if source is not None:
        vms = vms.where(f.source == source)
    return vms.subquery("vms")


def node_vm_hourly(bind: sa.Engine | sa.Connection, window: Window, source: str | None = None) -> pd.DataFrame:
    """Per OpenShift node and hour: its VM's CPU, memory and contention, and its host's load.

    Keys: hour, cluster_id, node (join pod_usage_hourly on them), with the cluster's owning sector,
    the VM (vcenter, vm_uuid, host, vsphere_cluster, num_cpu; host and cluster those of the hour;
    on rows stored before the cluster was kept per hour, the cluster the hour's host is in now:
    never the VM's own, which is wrong for an hour on a standalone or another cluster's host) and, from the
    host's row of the same hour, the host's CPU usage percent and contention: its demand, ready
    time (and ready percent per vCPU of the VMs it ran, see ``_ready_percent``), ballooned and
    swapped memory. VMs that are not nodes are left out.
    """
    f, v, h, c = vsphere_vm_hourly.c, vsphere_vm.c, vsphere_host_hourly.c, cluster.c
    host_now = vsphere_host.alias("host_now")
    hd = host_now.c
    host_hour = sa.and_(h.vcenter == f.vcenter, h.host == f.host, h.hour == f.hour, h.source == f.source)
    g = _host_vms(window, source)
    host_vms = sa.and_(g.c.vcenter == f.vcenter, g.c.host == f.host, g.c.hour == f.hour, g.c.source == f.source)
    query = (
        sa.select(
            f.hour, v.cluster_id, v.node, c.owner_sector_id.label("sector_id"), f.vcenter, f.vm_uuid, f.host,
            sa.func.coalesce(f.vsphere_cluster, hd.vsphere_cluster).label("vsphere_cluster"), v.num_cpu,
            f.cpu_usage_mhz, f.cpu_demand_mhz, f.cpu_ready_ms,
            _ready_percent(f.cpu_ready_ms, v.num_cpu).label("cpu_ready_percent"),
            f.memory_consumed_bytes, f.memory_active_bytes, f.memory_ballooned_bytes, f.memory_swapped_bytes,
            h.cpu_usage_percent.label("host_cpu_usage_percent"),
            h.cpu_demand_mhz.label("host_cpu_demand_mhz"),
            h.cpu_ready_ms.label("host_cpu_ready_ms"),
            _ready_percent(h.cpu_ready_ms, g.c.vcpus).label("host_cpu_ready_percent"),
            h.memory_ballooned_bytes.label("host_memory_ballooned_bytes"),
            h.memory_swapped_bytes.label("host_memory_swapped_bytes"),
        )
        .select_from(
            vsphere_vm_hourly.join(vsphere_vm, sa.and_(v.vcenter == f.vcenter, v.vm_uuid == f.vm_uuid))
            .outerjoin(cluster, c.cluster_id == v.cluster_id)
            .outerjoin(vsphere_host_hourly, host_hour)
            .outerjoin(g, host_vms)
            .outerjoin(host_now, sa.and_(hd.vcenter == f.vcenter, hd.host == f.host))
        )
        .where(f.hour >= window.start, f.hour < window.end, v.node.is_not(None))
        .order_by(f.hour, v.cluster_id, v.node)
    )
    if source is not None:
        query = query.where(f.source == source)
    return _frame(bind, query)


def host_contention_hourly(bind: sa.Engine | sa.Connection, window: Window,
                           source: str | None = None) -> pd.DataFrame:
    """Per vSphere host and hour: its load, its contention, and which ECS clusters run there.

    The host's own counters give ``cpu_demand_mhz``, ``cpu_ready_ms`` and ``cpu_ready_percent``
    (per vCPU of the VMs it ran, see ``_ready_percent``), ``memory_ballooned_gib`` and
    ``memory_swapped_gib``. From its VMs' rows: ``vm_ready_percent`` (their summed ready time over
    their vCPU-hours, a cross-check of the host's figure), ``demand_over_usage`` (above 1 the VMs
    wanted more CPU than they got) and ``ecs_clusters`` (ECS clusters with a node on the host).
    """
    h, vh = vsphere_host_hourly.c, vsphere_host.c
    g = _host_vms(window, source)
    query = (
        sa.select(
            h.hour, h.vcenter, h.host, h.vsphere_cluster, vh.datacenter, h.cpu_capacity_mhz, h.cpu_usage_mhz,
            h.cpu_usage_percent, h.cpu_demand_mhz, h.cpu_ready_ms,
            _ready_percent(h.cpu_ready_ms, g.c.vcpus).label("cpu_ready_percent"),
            h.memory_capacity_bytes, h.memory_consumed_bytes,
            _gib(h.memory_ballooned_bytes).label("memory_ballooned_gib"),
            _gib(h.memory_swapped_bytes).label("memory_swapped_gib"),
            sa.func.coalesce(g.c.vms, 0).label("vms"), g.c.vcpus,
            _ready_percent(g.c.cpu_ready_ms, g.c.vcpus).label("vm_ready_percent"),
            (g.c.vm_cpu_demand_mhz / sa.func.nullif(g.c.vm_cpu_usage_mhz, 0)).label("demand_over_usage"),
            sa.func.coalesce(g.c.ecs_clusters, 0).label("ecs_clusters"),
        )
        .select_from(
            vsphere_host_hourly
            .outerjoin(g, sa.and_(g.c.hour == h.hour, g.c.source == h.source, g.c.vcenter == h.vcenter,
                                  g.c.host == h.host))
            .outerjoin(vsphere_host, sa.and_(vh.vcenter == h.vcenter, vh.host == h.host))
        )
        .where(h.hour >= window.start, h.hour < window.end)
        .order_by(h.hour, h.vcenter, h.host)
    )
    if source is not None:
        query = query.where(h.source == source)
    return _frame(bind, query)


def vsphere_cluster_tenancy(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """Which ECS clusters and sectors run on each vSphere cluster, as the inventory shows it.

    One row per (vcenter, vsphere_cluster, cluster_id): the owning sector, the cluster's node VMs
    there with their vCPUs and memory, and whether the cluster table declares that vSphere cluster
    (``declared`` false flags a node placed where the cluster is not supposed to run).
    """
    v, c = vsphere_vm.c, cluster.c
    query = (
        sa.select(
            v.vcenter, v.vsphere_cluster, v.cluster_id, c.owner_sector_id.label("sector_id"), c.vsphere_cluster
            .label("declared_vsphere_clusters"),
            sa.func.count().label("nodes"), sa.func.sum(v.num_cpu).label("vcpus"),
            sa.func.sum(v.memory_bytes).label("memory_bytes"),
        )
        .select_from(vsphere_vm.outerjoin(cluster, c.cluster_id == v.cluster_id))
        .where(v.node.is_not(None))
        .group_by(v.vcenter, v.vsphere_cluster, v.cluster_id, c.owner_sector_id, c.vsphere_cluster)
        .order_by(v.vcenter, v.vsphere_cluster, v.cluster_id)
    )
    frame = _frame(bind, query)
    declared = frame.pop("declared_vsphere_clusters")
    frame["declared"] = [isinstance(d, str) and isinstance(vc, str) and vc in d.split(",")
                         for d, vc in zip(declared, frame["vsphere_cluster"], strict=True)]
    return frame
