"""vSphere inventory (hosts, VMs, datastores) and their hourly performance facts.

Scoped by ``vcenter`` instead of ``cluster_id``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Integer, String, Table

from warehouse.schema.base import UtcTimestamp, metadata, postgres_only_index

vsphere_host = Table(
    "vsphere_host",
    metadata,
    Column("vcenter", String(200), primary_key=True),
    Column("host", String(200), primary_key=True),
    Column("datacenter", String(200)),
    Column("vsphere_cluster", String(200)),
    Column("zone", String(64)),
    Column("cpu_cores", Integer),
    Column("cpu_mhz_per_core", Integer),
    Column("memory_bytes", BigInteger),
)

vsphere_vm = Table(
    "vsphere_vm",
    metadata,
    Column("vcenter", String(200), primary_key=True),
    Column("vm_uuid", String(64), primary_key=True),
    Column("vm_name", String(200), nullable=False),
    Column("host", String(200)),
    Column("vsphere_cluster", String(200)),
    Column("num_cpu", Integer),
    Column("memory_bytes", BigInteger),
    Column("cluster_id", String(64), comment="ECS cluster when the VM is an OpenShift node"),
    Column("node", String(253), comment="OpenShift node name when the VM is a node"),
)

datastore = Table(
    "datastore",
    metadata,
    Column("vcenter", String(200), primary_key=True),
    Column("datastore", String(200), primary_key=True),
    Column("datacenter", String(200)),
    Column("type", String(32)),
    Column("capacity_bytes", BigInteger),
)

vsphere_host_hourly = Table(
    "vsphere_host_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("vcenter", String(200), nullable=False),
    Column("host", String(200), nullable=False),
    Column("vsphere_cluster", String(200)),
    Column("cpu_capacity_mhz", Double),
    Column("cpu_usage_mhz", Double),
    Column("cpu_usage_percent", Double),
    Column("memory_capacity_bytes", Double),
    Column("memory_consumed_bytes", Double),
    Column("memory_active_bytes", Double),
    Column("cpu_demand_mhz", Double),
    Column("cpu_ready_ms", Double, comment="Summed ready time of the host's VMs' vCPUs in the hour, milliseconds"),
    Column("memory_ballooned_bytes", Double),
    Column("memory_swapped_bytes", Double),
    postgres_only_index("ix_vsphere_host_hourly_vcenter_hour", "vcenter", "hour"),
)

vsphere_vm_hourly = Table(
    "vsphere_vm_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("vcenter", String(200), nullable=False),
    Column("vm_uuid", String(64), nullable=False),
    Column("host", String(200)),
    Column("cpu_usage_mhz", Double),
    Column("cpu_demand_mhz", Double),
    Column("cpu_ready_ms", Double, comment="Summed ready time in the hour, milliseconds"),
    Column("memory_consumed_bytes", Double),
    Column("memory_active_bytes", Double),
    Column("memory_ballooned_bytes", Double),
    Column("memory_swapped_bytes", Double),
    Column("vsphere_cluster", String(200),
           comment="vSphere cluster of the hour's host; NULL: a standalone or unknown host, or a row from "
                   "before 0007 (read as the cluster the host is in)"),
    postgres_only_index("ix_vsphere_vm_hourly_vcenter_hour", "vcenter", "hour"),
)

datastore_hourly = Table(
    "datastore_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("vcenter", String(200), nullable=False),
    Column("datastore", String(200), nullable=False),
    Column("capacity_bytes", Double, nullable=False),
    Column("free_bytes", Double, nullable=False),
    postgres_only_index("ix_datastore_hourly_vcenter_hour", "vcenter", "hour"),
)
