"""Hourly usage facts from the clusters (pods, containers, nodes, volumes) and the daily pod rollup."""

from __future__ import annotations

from sqlalchemy import Column, Double, Integer, String, Table

from warehouse.schema.base import UtcTimestamp, metadata, postgres_only_index

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
    postgres_only_index("ix_pod_usage_hourly_cluster_hour", "cluster_id", "hour"),
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
    postgres_only_index("ix_pod_usage_daily_cluster_day", "cluster_id", "day"),
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
    postgres_only_index("ix_container_usage_hourly_cluster_hour", "cluster_id", "hour"),
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
    postgres_only_index("ix_node_hourly_cluster_hour", "cluster_id", "hour"),
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
    postgres_only_index("ix_pvc_hourly_cluster_hour", "cluster_id", "hour"),
)
