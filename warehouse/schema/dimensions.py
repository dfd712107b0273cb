"""Kubernetes dimensions: sectors, clusters, nodes, namespaces, workloads and pods.

Keyed by their natural keys and upserted by key on load (``warehouse.load``), only the columns a
source provides.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Double, String, Table, Text

from warehouse.schema.base import metadata

sector = Table(
    "sector",
    metadata,
    Column("sector_id", String(64), primary_key=True, comment="Short code, e.g. CTI"),
    Column("name", String(200), nullable=False),
    Column("default_cost_centre", String(64)),
)

cluster = Table(
    "cluster",
    metadata,
    Column("cluster_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("owner_sector_id", String(64), comment="Owning sector; NULL for a shared cluster"),
    Column("shared", Boolean, nullable=False, default=False),
    Column("zones", String(200), nullable=False, comment="Comma-separated availability zones"),
    Column("vcenter", String(200), comment="vCenter that hosts the cluster's VMs"),
    Column("vsphere_cluster", String(200), comment="vSphere cluster that hosts the cluster's VMs"),
    Column("datacenter", String(200)),
)

node = Table(
    "node",
    metadata,
    Column("cluster_id", String(64), primary_key=True),
    Column("node", String(253), primary_key=True),
    Column("role", String(32), nullable=False, comment="master, infra or worker"),
    Column("zone", String(64)),
    Column("provider_id", String(200), comment="vsphere://<VM UUID>"),
    Column("vm_uuid", String(64)),
    Column("vm_name", String(200)),
    Column("vsphere_host", String(200)),
    Column("cpu_cores", Double),
    Column("memory_bytes", BigInteger),
)

namespace = Table(
    "namespace",
    metadata,
    Column("cluster_id", String(64), primary_key=True),
    Column("namespace", String(253), primary_key=True),
    Column("labels", Text, comment="Namespace labels as a JSON object"),
    Column("sector_id", String(64), comment="Resolved sector; NULL when nothing maps it"),
    Column("application", String(200)),
    Column("cost_centre", String(64)),
    Column("is_platform", Boolean, nullable=False, default=False),
    Column("mapping_rule", String(200), comment="Which rule resolved the sector"),
)

workload = Table(
    "workload",
    metadata,
    Column("cluster_id", String(64), primary_key=True),
    Column("namespace", String(253), primary_key=True),
    Column("workload", String(253), primary_key=True),
    Column("kind", String(64), primary_key=True, comment="Deployment, StatefulSet, DeploymentConfig..."),
)

# first_seen/last_seen merge as min/max on upsert (warehouse.load reads the column's info), so a
# pod seen over several collection windows keeps its whole lifetime whatever order they load in.
pod = Table(
    "pod",
    metadata,
    Column("cluster_id", String(64), primary_key=True),
    Column("namespace", String(253), primary_key=True),
    Column("pod", String(253), primary_key=True),
    Column("workload", String(253)),
    Column("workload_kind", String(64)),
    Column("labels", Text, comment="Pod labels as a JSON object"),
    Column("first_seen", DateTime, comment="Start (UTC) of the first hour the pod was seen", info={"merge": "min"}),
    Column("last_seen", DateTime, comment="Start (UTC) of the last hour the pod was seen", info={"merge": "max"}),
)
