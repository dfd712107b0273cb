"""The fact and dimension tables by name, and the columns that key a fact slice."""

from __future__ import annotations

from sqlalchemy import Table

from warehouse.schema.dimensions import cluster, namespace, node, pod, sector, workload
from warehouse.schema.logs import log_volume_hourly
from warehouse.schema.sli import sli_5m
from warehouse.schema.usage import container_usage_hourly, node_hourly, pod_usage_hourly, pvc_hourly
from warehouse.schema.vsphere import (
    datastore,
    datastore_hourly,
    vsphere_host,
    vsphere_host_hourly,
    vsphere_vm,
    vsphere_vm_hourly,
)

FACT_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        pod_usage_hourly,
        container_usage_hourly,
        node_hourly,
        pvc_hourly,
        log_volume_hourly,
        vsphere_host_hourly,
        vsphere_vm_hourly,
        datastore_hourly,
        sli_5m,
    )
}

DIMENSION_TABLES: dict[str, Table] = {
    t.name: t for t in (sector, cluster, node, namespace, workload, pod, vsphere_host, vsphere_vm,
                        datastore)
}


def time_column(table: Table) -> str:
    """Name of a fact table's time key."""
    return "bucket_start" if "bucket_start" in table.c else "hour"


def scope_column(table: Table) -> str:
    """Name of the column that scopes a fact slice: the cluster, or the vCenter for vSphere facts."""
    return "cluster_id" if "cluster_id" in table.c else "vcenter"
