"""The warehouse schema: dimensions, hourly facts, SLI buckets, collection runs and results.

Conventions (DESIGN.md):
- every fact row carries ``source`` and ``cluster_id`` (or ``vcenter``) and a UTC time key
  (``hour`` or ``bucket_start``), so re-collecting a (source, cluster, window) slice replaces
  exactly that slice and the tables partition naturally by month and cluster;
- CPU in core-seconds and memory in byte-seconds per interval; core-hours and GiB-hours are
  derived in queries;
- fact tables have no primary key (uniqueness comes from slice replacement; a unique index would
  slow bulk loads by an order of magnitude on DuckDB); PostgreSQL gets a (cluster, time) index for
  the slice deletes and range reads.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Quantities are 64-bit floats: SQLAlchemy's Float is a 32-bit REAL on DuckDB, which loses
# precision on monthly sums of core-seconds.
# Timestamps are naive UTC: DuckDB and PostgreSQL then agree on hour arithmetic without a
# session time zone, and every value is documented as UTC.
UtcTimestamp = DateTime(timezone=False)
Money = Numeric(20, 6)


def _pg_index(name: str, table: str, *columns: str) -> Index:
    """An index created only on PostgreSQL (DuckDB scans columnar zone maps instead)."""
    return Index(name, *columns).ddl_if(dialect="postgresql")


# --------------------------------------------------------------------------- dimensions

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

# --------------------------------------------------------------------------- hourly facts

pod_usage_hourly = Table(
    "pod_usage_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False, comment="Hour start, UTC"),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("pod", String(253), nullable=False),
    Column("node", String(253)),
    Column("workload", String(253)),
    Column("workload_kind", String(64)),
    Column("pod_seconds", Double, nullable=False, comment="Seconds the pod ran in the hour"),
    Column("cpu_usage_core_seconds", Double, nullable=False),
    Column("cpu_request_core_seconds", Double, nullable=False),
    Column("cpu_limit_core_seconds", Double),
    Column("memory_usage_byte_seconds", Double, nullable=False, comment="Working set"),
    Column("memory_request_byte_seconds", Double, nullable=False),
    Column("memory_limit_byte_seconds", Double),
    Column("cpu_throttled_seconds", Double),
    Column("oom_kills", Integer),
    _pg_index("ix_pod_usage_hourly_cluster_hour", "pod_usage_hourly", "cluster_id", "hour"),
)

# Derived from pod_usage_hourly by warehouse.rollups whenever a pod slice is loaded (same
# transaction), so month-long reads scan a day per (node, namespace) instead of every pod-hour.
pod_usage_daily = Table(
    "pod_usage_daily",
    metadata,
    Column("day", UtcTimestamp, nullable=False, comment="Day start, UTC"),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("node", String(253)),
    Column("namespace", String(253), nullable=False),
    Column("pod_hours", Integer, nullable=False, comment="Pod-hour rows summed into this row"),
    Column("pod_seconds", Double, nullable=False),
    Column("cpu_effective_core_seconds", Double, nullable=False,
           comment="Sum over pod-hours of max(usage, request)"),
    Column("memory_effective_byte_seconds", Double, nullable=False,
           comment="Sum over pod-hours of max(usage, request)"),
    Column("cpu_usage_core_seconds", Double, nullable=False),
    Column("cpu_request_core_seconds", Double, nullable=False),
    Column("memory_usage_byte_seconds", Double, nullable=False),
    Column("memory_request_byte_seconds", Double, nullable=False),
    _pg_index("ix_pod_usage_daily_cluster_day", "pod_usage_daily", "cluster_id", "day"),
)

container_usage_hourly = Table(
    "container_usage_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("pod", String(253), nullable=False),
    Column("container", String(253), nullable=False),
    Column("node", String(253)),
    Column("cpu_usage_core_seconds", Double, nullable=False),
    Column("cpu_request_core_seconds", Double),
    Column("cpu_limit_core_seconds", Double),
    Column("memory_usage_byte_seconds", Double, nullable=False, comment="Working set"),
    Column("memory_rss_byte_seconds", Double),
    Column("memory_request_byte_seconds", Double),
    Column("memory_limit_byte_seconds", Double),
    Column("memory_max_bytes", Double, comment="Peak working set in the hour"),
    Column("cpu_max_cores", Double, comment="Peak CPU rate in the hour"),
    Column("cpu_throttled_seconds", Double),
    Column("cpu_throttled_periods", Double),
    Column("cpu_periods", Double),
    Column("oom_kills", Integer),
    Column("restarts", Integer),
    _pg_index("ix_container_usage_hourly_cluster_hour", "container_usage_hourly", "cluster_id", "hour"),
)

node_hourly = Table(
    "node_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("node", String(253), nullable=False),
    Column("role", String(32)),
    Column("node_seconds", Double, nullable=False),
    Column("cpu_capacity_core_seconds", Double, nullable=False),
    Column("cpu_allocatable_core_seconds", Double, nullable=False),
    Column("memory_capacity_byte_seconds", Double, nullable=False),
    Column("memory_allocatable_byte_seconds", Double, nullable=False),
    Column("cpu_usage_core_seconds", Double),
    Column("memory_usage_byte_seconds", Double),
    _pg_index("ix_node_hourly_cluster_hour", "node_hourly", "cluster_id", "hour"),
)

pvc_hourly = Table(
    "pvc_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("pvc", String(253), nullable=False),
    Column("persistent_volume", String(253)),
    Column("storage_class", String(200)),
    Column("capacity_byte_seconds", Double, nullable=False),
    Column("request_byte_seconds", Double, nullable=False),
    Column("usage_byte_seconds", Double),
    _pg_index("ix_pvc_hourly_cluster_hour", "pvc_hourly", "cluster_id", "hour"),
)

log_volume_hourly = Table(
    "log_volume_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("documents", BigInteger, nullable=False),
    Column("bytes", BigInteger, comment="NULL where the index does not record sizes"),
    Column("error_documents", BigInteger),
    Column("warning_documents", BigInteger),
    _pg_index("ix_log_volume_hourly_cluster_hour", "log_volume_hourly", "cluster_id", "hour"),
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
    _pg_index("ix_vsphere_host_hourly_vcenter_hour", "vsphere_host_hourly", "vcenter", "hour"),
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
    _pg_index("ix_vsphere_vm_hourly_vcenter_hour", "vsphere_vm_hourly", "vcenter", "hour"),
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
    _pg_index("ix_datastore_hourly_vcenter_hour", "datastore_hourly", "vcenter", "hour"),
)

sli_5m = Table(
    "sli_5m",
    metadata,
    Column("bucket_start", UtcTimestamp, nullable=False, comment="5-minute bucket start, UTC"),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("service", String(253), nullable=False),
    Column("sli", String(64), nullable=False, comment="availability, latency, ..."),
    Column("good_events", BigInteger, nullable=False),
    Column("total_events", BigInteger, nullable=False),
    _pg_index("ix_sli_5m_cluster_bucket", "sli_5m", "cluster_id", "bucket_start"),
)

# --------------------------------------------------------------------------- bookkeeping

collection_run_id_seq = Sequence("collection_run_id_seq", metadata=metadata)

collection_run = Table(
    "collection_run",
    metadata,
    Column("run_id", BigInteger, collection_run_id_seq, primary_key=True,
           server_default=collection_run_id_seq.next_value()),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False, comment="Cluster or vCenter the run covered"),
    Column("window_start", UtcTimestamp, nullable=False),
    Column("window_end", UtcTimestamp, nullable=False),
    Column("started_at", UtcTimestamp, nullable=False),
    Column("finished_at", UtcTimestamp),
    Column("status", String(16), nullable=False, comment="running, succeeded or failed"),
    Column("rows", BigInteger, nullable=False, default=0),
    Column("error", Text),
)

# --------------------------------------------------------------------------- results

chargeback_result = Table(
    "chargeback_result",
    metadata,
    Column("month", String(7), primary_key=True, comment="YYYY-MM"),
    Column("model", String(32), primary_key=True, comment="Cost model that produced the lines"),
    Column("cluster_id", String(64), primary_key=True),
    Column("namespace", String(253), primary_key=True),
    Column("sector_id", String(64), nullable=False, comment="Resolved sector or UNALLOCATED"),
    Column("application", String(200)),
    Column("cost_centre", String(64)),
    Column("cpu_effective_core_hours", Double, nullable=False),
    Column("memory_effective_gib_hours", Double, nullable=False),
    Column("cpu_cost", Money, nullable=False),
    Column("memory_cost", Money, nullable=False),
    Column("total_cost", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("computed_at", UtcTimestamp, nullable=False),
)

# --------------------------------------------------------------------------- chargeback statements

chargeback_statement = Table(
    "chargeback_statement",
    metadata,
    Column("month", String(7), primary_key=True, comment="YYYY-MM"),
    Column("version", Integer, primary_key=True, comment="1 for the first computation, +1 per restatement"),
    Column("model", String(32), nullable=False, comment="pools or rate_card"),
    Column("mode", String(16), nullable=False, comment="showback or chargeback"),
    Column("status", String(16), nullable=False, comment="draft, closed or superseded"),
    Column("price_list_version", String(64), nullable=False,
           comment="Price list versions in force in the month, joined by '+' (e.g. 2026.1+2026.2)"),
    Column("price_list_digest", String(64), nullable=False, comment="SHA-256 of the price list as applied"),
    Column("facts_digest", String(64), nullable=False,
           comment="Fingerprint of the month's facts; a change after close calls for a restatement"),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Money, nullable=False),
    Column("computed_at", UtcTimestamp, nullable=False),
    Column("closed_at", UtcTimestamp),
    Column("supersedes_version", Integer, comment="Closed version this restatement replaces"),
    Column("reason", Text, comment="Why the version was made (close, restatement after late data, ...)"),
    Column("diff", Text,
           comment="JSON: change per sector, cluster, namespace and cost type against the superseded version"),
    Column("completeness", Text, nullable=False, comment="JSON: data completeness per cluster"),
)

chargeback_statement_line = Table(
    "chargeback_statement_line",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sector_id", String(64), nullable=False, comment="Resolved sector or UNALLOCATED"),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False, comment="Namespace, or (idle) for unused capacity"),
    Column("application", String(200)),
    Column("cost_centre", String(64)),
    Column("cost_type", String(32), nullable=False, comment="cpu, memory, idle, platform, storage, logging, ..."),
    Column("pool", String(64), nullable=False, comment="Cost pool or rate the line comes from"),
    Column("quantity", Double, comment="Basis quantity (core-hours, GiB-hours, GiB-months, GB, share)"),
    Column("unit", String(32)),
    Column("rate", Numeric(20, 8), comment="Price per unit, when the line is quantity x rate"),
    Column("pool_amount", Money, comment="Whole pool, when the line is a share of a pool"),
    Column("share", Double, comment="Share of the pool, when the line is a share of a pool"),
    Column("basis", Text, nullable=False, comment="How the amount was derived, in words"),
    Column("amount", Money, nullable=False),
)

chargeback_namespace_efficiency = Table(
    "chargeback_namespace_efficiency",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("cluster_id", String(64), primary_key=True),
    Column("namespace", String(253), primary_key=True),
    Column("sector_id", String(64), nullable=False),
    Column("cpu_usage_core_hours", Double, nullable=False),
    Column("cpu_request_core_hours", Double, nullable=False),
    Column("memory_usage_gib_hours", Double, nullable=False),
    Column("memory_request_gib_hours", Double, nullable=False),
    Column("cpu_efficiency", Double, comment="usage / request; NULL without requests"),
    Column("memory_efficiency", Double, comment="usage / request; NULL without requests"),
    Column("charged_amount", Money, nullable=False, comment="Direct CPU and memory charge"),
    Column("wasted_amount", Money, nullable=False, comment="Part of the charge paying for requested but unused"),
)

chargeback_entitlement = Table(
    "chargeback_entitlement",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("sector_id", String(64), primary_key=True),
    Column("resource", String(16), primary_key=True, comment="cpu (cores), memory (GiB) or storage (TB)"),
    Column("purchased", Double, nullable=False),
    Column("requested", Double, nullable=False, comment="Average over the month"),
    Column("used", Double, nullable=False, comment="Average over the month"),
    Column("unused_amount", Money, nullable=False, comment="Cost of purchased capacity neither requested nor used"),
    Column("basis", Text, nullable=False),
)

chargeback_statement_pool = Table(
    "chargeback_statement_pool",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("cluster_id", String(64), primary_key=True),
    Column("pool", String(64), primary_key=True,
           comment="Cost pool (hardware, vmware-licence, ...) or rate-card fee the cluster's lines come from"),
    Column("amount", Money, nullable=False, comment="The whole pool: its lines on the cluster sum to it"),
    Column("basis", Text, nullable=False, comment="How the pool was derived, in words"),
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
