"""Initial warehouse schema: dimensions, hourly facts, SLI buckets, collection runs, results.

Frozen DDL: this revision spells out every table, column, sequence and index as they were when it
was written, so later edits to the ``warehouse/schema`` tables need a new revision rather than changing
what this one creates. ``tests/warehouse/test_migrations.py`` compares the migrated database with
``warehouse.schema.metadata`` on DuckDB and PostgreSQL.

The (scope, time) indexes on the fact tables are created on PostgreSQL only, as in the schema:
DuckDB prunes scans with its columnar zone maps, and an index there slows bulk loads.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# (index name, table, columns): created only on PostgreSQL.
POSTGRESQL_INDEXES = [
    ("ix_pod_usage_hourly_cluster_hour", "pod_usage_hourly", ["cluster_id", "hour"]),
    ("ix_container_usage_hourly_cluster_hour", "container_usage_hourly", ["cluster_id", "hour"]),
    ("ix_node_hourly_cluster_hour", "node_hourly", ["cluster_id", "hour"]),
    ("ix_pvc_hourly_cluster_hour", "pvc_hourly", ["cluster_id", "hour"]),
    ("ix_log_volume_hourly_cluster_hour", "log_volume_hourly", ["cluster_id", "hour"]),
    ("ix_vsphere_host_hourly_vcenter_hour", "vsphere_host_hourly", ["vcenter", "hour"]),
    ("ix_vsphere_vm_hourly_vcenter_hour", "vsphere_vm_hourly", ["vcenter", "hour"]),
    ("ix_datastore_hourly_vcenter_hour", "datastore_hourly", ["vcenter", "hour"]),
    ("ix_sli_5m_cluster_bucket", "sli_5m", ["cluster_id", "bucket_start"]),
]

TABLES = [
    "sector",
    "cluster",
    "node",
    "namespace",
    "workload",
    "vsphere_host",
    "vsphere_vm",
    "datastore",
    "pod_usage_hourly",
    "container_usage_hourly",
    "node_hourly",
    "pvc_hourly",
    "log_volume_hourly",
    "vsphere_host_hourly",
    "vsphere_vm_hourly",
    "datastore_hourly",
    "sli_5m",
    "collection_run",
    "chargeback_result",
]


def _on_postgresql() -> bool:
    # The migration context's dialect works both online and in offline (--sql) mode.
    return op.get_context().dialect.name == "postgresql"


def _collection_run_id_seq() -> sa.Sequence:
    # Surrogate key source for collection_run (DuckDB has no SERIAL; PostgreSQL uses it too).
    return sa.Sequence("collection_run_id_seq")


def upgrade() -> None:
    collection_run_id_seq = _collection_run_id_seq()

    # dimensions
    op.create_table(
        "sector",
        sa.Column("sector_id", sa.String(length=64), nullable=False, comment="Short code, e.g. CTI"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("default_cost_centre", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("sector_id"),
    )
    op.create_table(
        "cluster",
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "owner_sector_id", sa.String(length=64), nullable=True, comment="Owning sector; NULL for a shared cluster"
        ),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("zones", sa.String(length=200), nullable=False, comment="Comma-separated availability zones"),
        sa.Column("vcenter", sa.String(length=200), nullable=True, comment="vCenter that hosts the cluster's VMs"),
        sa.Column(
            "vsphere_cluster",
            sa.String(length=200),
            nullable=True,
            comment="vSphere cluster that hosts the cluster's VMs",
        ),
        sa.Column("datacenter", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("cluster_id"),
    )
    op.create_table(
        "node",
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=253), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False, comment="master, infra or worker"),
        sa.Column("zone", sa.String(length=64), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True, comment="vsphere://<VM UUID>"),
        sa.Column("vm_uuid", sa.String(length=64), nullable=True),
        sa.Column("vm_name", sa.String(length=200), nullable=True),
        sa.Column("vsphere_host", sa.String(length=200), nullable=True),
        sa.Column("cpu_cores", sa.Double(), nullable=True),
        sa.Column("memory_bytes", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("cluster_id", "node"),
    )
    op.create_table(
        "namespace",
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("labels", sa.Text(), nullable=True, comment="Namespace labels as a JSON object"),
        sa.Column(
            "sector_id", sa.String(length=64), nullable=True, comment="Resolved sector; NULL when nothing maps it"
        ),
        sa.Column("application", sa.String(length=200), nullable=True),
        sa.Column("cost_centre", sa.String(length=64), nullable=True),
        sa.Column("is_platform", sa.Boolean(), nullable=False),
        sa.Column("mapping_rule", sa.String(length=200), nullable=True, comment="Which rule resolved the sector"),
        sa.PrimaryKeyConstraint("cluster_id", "namespace"),
    )
    op.create_table(
        "workload",
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("workload", sa.String(length=253), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False, comment="Deployment, StatefulSet, DeploymentConfig..."),
        sa.PrimaryKeyConstraint("cluster_id", "namespace", "workload", "kind"),
    )
    op.create_table(
        "vsphere_host",
        sa.Column("vcenter", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("datacenter", sa.String(length=200), nullable=True),
        sa.Column("vsphere_cluster", sa.String(length=200), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=True),
        sa.Column("cpu_cores", sa.Integer(), nullable=True),
        sa.Column("cpu_mhz_per_core", sa.Integer(), nullable=True),
        sa.Column("memory_bytes", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("vcenter", "host"),
    )
    op.create_table(
        "vsphere_vm",
        sa.Column("vcenter", sa.String(length=200), nullable=False),
        sa.Column("vm_uuid", sa.String(length=64), nullable=False),
        sa.Column("vm_name", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=True),
        sa.Column("vsphere_cluster", sa.String(length=200), nullable=True),
        sa.Column("num_cpu", sa.Integer(), nullable=True),
        sa.Column("memory_bytes", sa.BigInteger(), nullable=True),
        sa.Column(
            "cluster_id", sa.String(length=64), nullable=True, comment="ECS cluster when the VM is an OpenShift node"
        ),
        sa.Column("node", sa.String(length=253), nullable=True, comment="OpenShift node name when the VM is a node"),
        sa.PrimaryKeyConstraint("vcenter", "vm_uuid"),
    )
    op.create_table(
        "datastore",
        sa.Column("vcenter", sa.String(length=200), nullable=False),
        sa.Column("datastore", sa.String(length=200), nullable=False),
        sa.Column("datacenter", sa.String(length=200), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("capacity_bytes", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("vcenter", "datastore"),
    )

    # hourly facts (no primary key: loads replace whole slices)
    op.create_table(
        "pod_usage_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False, comment="Hour start, UTC"),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("pod", sa.String(length=253), nullable=False),
        sa.Column("node", sa.String(length=253), nullable=True),
        sa.Column("workload", sa.String(length=253), nullable=True),
        sa.Column("workload_kind", sa.String(length=64), nullable=True),
        sa.Column("pod_seconds", sa.Double(), nullable=False, comment="Seconds the pod ran in the hour"),
        sa.Column("cpu_usage_core_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_request_core_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_limit_core_seconds", sa.Double(), nullable=True),
        sa.Column("memory_usage_byte_seconds", sa.Double(), nullable=False, comment="Working set"),
        sa.Column("memory_request_byte_seconds", sa.Double(), nullable=False),
        sa.Column("memory_limit_byte_seconds", sa.Double(), nullable=True),
        sa.Column("cpu_throttled_seconds", sa.Double(), nullable=True),
        sa.Column("oom_kills", sa.Integer(), nullable=True),
    )
    op.create_table(
        "container_usage_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("pod", sa.String(length=253), nullable=False),
        sa.Column("container", sa.String(length=253), nullable=False),
        sa.Column("node", sa.String(length=253), nullable=True),
        sa.Column("cpu_usage_core_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_request_core_seconds", sa.Double(), nullable=True),
        sa.Column("cpu_limit_core_seconds", sa.Double(), nullable=True),
        sa.Column("memory_usage_byte_seconds", sa.Double(), nullable=False, comment="Working set"),
        sa.Column("memory_rss_byte_seconds", sa.Double(), nullable=True),
        sa.Column("memory_request_byte_seconds", sa.Double(), nullable=True),
        sa.Column("memory_limit_byte_seconds", sa.Double(), nullable=True),
        sa.Column("memory_max_bytes", sa.Double(), nullable=True, comment="Peak working set in the hour"),
        sa.Column("cpu_max_cores", sa.Double(), nullable=True, comment="Peak CPU rate in the hour"),
        sa.Column("cpu_throttled_seconds", sa.Double(), nullable=True),
        sa.Column("cpu_throttled_periods", sa.Double(), nullable=True),
        sa.Column("cpu_periods", sa.Double(), nullable=True),
        sa.Column("oom_kills", sa.Integer(), nullable=True),
        sa.Column("restarts", sa.Integer(), nullable=True),
    )
    op.create_table(
        "node_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=253), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("node_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_capacity_core_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_allocatable_core_seconds", sa.Double(), nullable=False),
        sa.Column("memory_capacity_byte_seconds", sa.Double(), nullable=False),
        sa.Column("memory_allocatable_byte_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_usage_core_seconds", sa.Double(), nullable=True),
        sa.Column("memory_usage_byte_seconds", sa.Double(), nullable=True),
    )
    op.create_table(
        "pvc_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("pvc", sa.String(length=253), nullable=False),
        sa.Column("persistent_volume", sa.String(length=253), nullable=True),
        sa.Column("storage_class", sa.String(length=200), nullable=True),
        sa.Column("capacity_byte_seconds", sa.Double(), nullable=False),
        sa.Column("request_byte_seconds", sa.Double(), nullable=False),
        sa.Column("usage_byte_seconds", sa.Double(), nullable=True),
    )
    op.create_table(
        "log_volume_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("documents", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=True, comment="NULL where the index does not record sizes"),
        sa.Column("error_documents", sa.BigInteger(), nullable=True),
        sa.Column("warning_documents", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "vsphere_host_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("vcenter", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("vsphere_cluster", sa.String(length=200), nullable=True),
        sa.Column("cpu_capacity_mhz", sa.Double(), nullable=True),
        sa.Column("cpu_usage_mhz", sa.Double(), nullable=True),
        sa.Column("cpu_usage_percent", sa.Double(), nullable=True),
        sa.Column("memory_capacity_bytes", sa.Double(), nullable=True),
        sa.Column("memory_consumed_bytes", sa.Double(), nullable=True),
        sa.Column("memory_active_bytes", sa.Double(), nullable=True),
    )
    op.create_table(
        "vsphere_vm_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("vcenter", sa.String(length=200), nullable=False),
        sa.Column("vm_uuid", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=True),
        sa.Column("cpu_usage_mhz", sa.Double(), nullable=True),
        sa.Column("cpu_demand_mhz", sa.Double(), nullable=True),
        sa.Column("cpu_ready_ms", sa.Double(), nullable=True, comment="Summed ready time in the hour, milliseconds"),
        sa.Column("memory_consumed_bytes", sa.Double(), nullable=True),
        sa.Column("memory_active_bytes", sa.Double(), nullable=True),
        sa.Column("memory_ballooned_bytes", sa.Double(), nullable=True),
        sa.Column("memory_swapped_bytes", sa.Double(), nullable=True),
    )
    op.create_table(
        "datastore_hourly",
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("vcenter", sa.String(length=200), nullable=False),
        sa.Column("datastore", sa.String(length=200), nullable=False),
        sa.Column("capacity_bytes", sa.Double(), nullable=False),
        sa.Column("free_bytes", sa.Double(), nullable=False),
    )
    op.create_table(
        "sli_5m",
        sa.Column("bucket_start", sa.DateTime(), nullable=False, comment="5-minute bucket start, UTC"),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("service", sa.String(length=253), nullable=False),
        sa.Column("sli", sa.String(length=64), nullable=False, comment="availability, latency, ..."),
        sa.Column("good_events", sa.BigInteger(), nullable=False),
        sa.Column("total_events", sa.BigInteger(), nullable=False),
    )

    # bookkeeping
    op.execute(sa.schema.CreateSequence(collection_run_id_seq))
    op.create_table(
        "collection_run",
        sa.Column(
            "run_id",
            sa.BigInteger(),
            collection_run_id_seq,
            server_default=collection_run_id_seq.next_value(),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False, comment="Cluster or vCenter the run covered"),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("window_end", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False, comment="running, succeeded or failed"),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
    )

    # results
    op.create_table(
        "chargeback_result",
        sa.Column("month", sa.String(length=7), nullable=False, comment="YYYY-MM"),
        sa.Column("model", sa.String(length=32), nullable=False, comment="Cost model that produced the lines"),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("sector_id", sa.String(length=64), nullable=False, comment="Resolved sector or UNALLOCATED"),
        sa.Column("application", sa.String(length=200), nullable=True),
        sa.Column("cost_centre", sa.String(length=64), nullable=True),
        sa.Column("cpu_effective_core_hours", sa.Double(), nullable=False),
        sa.Column("memory_effective_gib_hours", sa.Double(), nullable=False),
        sa.Column("cpu_cost", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("memory_cost", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("total_cost", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month", "model", "cluster_id", "namespace"),
    )

    if _on_postgresql():
        for name, table, columns in POSTGRESQL_INDEXES:
            op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    if _on_postgresql():
        for name, table, _columns in reversed(POSTGRESQL_INDEXES):
            op.drop_index(name, table_name=table)
    for table in reversed(TABLES):
        op.drop_table(table)
    op.execute(sa.schema.DropSequence(_collection_run_id_seq()))
