"""Column names of the warehouse tables the estate fills, in table order.

Collectors may not import the warehouse (import contract), so the names are restated here; a test
compares them with warehouse.schema so the two cannot drift apart.
"""

from __future__ import annotations

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "sector": ("sector_id", "name", "default_cost_centre"),
    "cluster": ("cluster_id", "name", "owner_sector_id", "shared", "zones", "vcenter", "vsphere_cluster",
                "datacenter"),
    "node": ("cluster_id", "node", "role", "zone", "provider_id", "vm_uuid", "vm_name", "vsphere_host",
             "cpu_cores", "memory_bytes"),
    "namespace": ("cluster_id", "namespace", "labels", "sector_id", "application", "cost_centre",
                  "is_platform", "mapping_rule"),
    "workload": ("cluster_id", "namespace", "workload", "kind"),
    "pod": ("cluster_id", "namespace", "pod", "workload", "workload_kind", "labels", "first_seen", "last_seen"),
    "vsphere_host": ("vcenter", "host", "datacenter", "vsphere_cluster", "zone", "cpu_cores",
                     "cpu_mhz_per_core", "memory_bytes"),
    "vsphere_vm": ("vcenter", "vm_uuid", "vm_name", "host", "vsphere_cluster", "num_cpu", "memory_bytes",
                   "cluster_id", "node"),
    "datastore": ("vcenter", "datastore", "datacenter", "type", "capacity_bytes"),
}

FACTS: dict[str, tuple[str, ...]] = {
    "pod_usage_hourly": (
        "hour", "source", "cluster_id", "namespace", "pod", "node", "workload", "workload_kind",
        "pod_seconds", "cpu_usage_core_seconds", "cpu_request_core_seconds", "cpu_limit_core_seconds",
        "memory_usage_byte_seconds", "memory_request_byte_seconds", "memory_limit_byte_seconds",
        "cpu_throttled_seconds", "oom_kills"),
    "container_usage_hourly": (
        "hour", "source", "cluster_id", "namespace", "pod", "container", "node", "cpu_usage_core_seconds",
        "cpu_request_core_seconds", "cpu_limit_core_seconds", "memory_usage_byte_seconds",
        "memory_rss_byte_seconds", "memory_request_byte_seconds", "memory_limit_byte_seconds",
        "memory_max_bytes", "cpu_max_cores", "cpu_throttled_seconds", "cpu_throttled_periods",
        "cpu_periods", "oom_kills", "restarts"),
    "node_hourly": (
        "hour", "source", "cluster_id", "node", "role", "node_seconds", "cpu_capacity_core_seconds",
        "cpu_allocatable_core_seconds", "memory_capacity_byte_seconds", "memory_allocatable_byte_seconds",
        "cpu_usage_core_seconds", "memory_usage_byte_seconds"),
    "pvc_hourly": (
        "hour", "source", "cluster_id", "namespace", "pvc", "persistent_volume", "storage_class",
        "capacity_byte_seconds", "request_byte_seconds", "usage_byte_seconds"),
    "log_volume_hourly": (
        "hour", "source", "cluster_id", "namespace", "documents", "bytes", "error_documents",
        "warning_documents"),
    "vsphere_host_hourly": (
        "hour", "source", "vcenter", "host", "vsphere_cluster", "cpu_capacity_mhz", "cpu_usage_mhz",
        "cpu_usage_percent", "memory_capacity_bytes", "memory_consumed_bytes", "memory_active_bytes",
        "cpu_demand_mhz", "cpu_ready_ms", "memory_ballooned_bytes", "memory_swapped_bytes"),
    "vsphere_vm_hourly": (
        "hour", "source", "vcenter", "vm_uuid", "host", "cpu_usage_mhz", "cpu_demand_mhz", "cpu_ready_ms",
        "memory_consumed_bytes", "memory_active_bytes", "memory_ballooned_bytes", "memory_swapped_bytes",
        "vsphere_cluster"),
    "datastore_hourly": ("hour", "source", "vcenter", "datastore", "capacity_bytes", "free_bytes"),
    "sli_5m": ("bucket_start", "source", "cluster_id", "namespace", "service", "sli", "good_events",
               "total_events"),
}

# Tables whose slices are scoped by vCenter rather than by cluster.
VCENTER_SCOPED = frozenset({"vsphere_host_hourly", "vsphere_vm_hourly", "datastore_hourly"})
