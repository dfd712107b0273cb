"""The metric families the writer emits, and the scrape-job labels their series carry.

Names, types and help texts are those of cAdvisor, kube-state-metrics, the kubelet and the HAProxy
router on OpenShift (OPENSHIFT-METRICS.md). ``FAMILIES``' order is the order of families in the file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """A metric family: its name in ``# TYPE`` (without ``_total``), type and help text."""

    name: str
    type: str
    help: str

    @property
    def sample_name(self) -> str:
        return f"{self.name}_total" if self.type == "counter" else self.name


def _families(*specs: tuple[str, str, str]) -> dict[str, Family]:
    return {name: Family(name, kind, text) for name, kind, text in specs}


FAMILIES: dict[str, Family] = _families(
    ("container_cpu_usage_seconds", "counter", "Cumulative cpu time consumed in seconds."),
    ("container_memory_working_set_bytes", "gauge", "Current working set in bytes."),
    ("container_memory_usage_bytes", "gauge", "Current memory usage in bytes, including all memory "
     "regardless of when it was accessed."),
    ("container_memory_rss", "gauge", "Size of RSS in bytes."),
    ("container_cpu_cfs_periods", "counter", "Number of elapsed enforcement period intervals."),
    ("container_cpu_cfs_throttled_periods", "counter", "Number of throttled period intervals."),
    ("container_cpu_cfs_throttled_seconds", "counter", "Total time duration the container has been "
     "throttled."),
    ("container_oom_events", "counter", "Count of out of memory events observed for the container."),
    ("kube_pod_container_resource_requests", "gauge", "The number of requested request resource by "
     "a container."),
    ("kube_pod_container_resource_limits", "gauge", "The number of requested limit resource by a "
     "container."),
    ("kube_pod_status_phase", "gauge", "The pods current phase."),
    ("kube_pod_info", "gauge", "Information about pod."),
    ("kube_pod_owner", "gauge", "Information about the Pod's owner."),
    ("kube_pod_labels", "gauge", "Kubernetes labels converted to Prometheus labels."),
    ("kube_replicaset_owner", "gauge", "Information about the ReplicaSet's owner."),
    ("kube_replicationcontroller_owner", "gauge", "Information about the ReplicationController's "
     "owner."),
    ("kube_pod_container_status_restarts", "counter", "The number of container restarts per "
     "container."),
    ("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the "
     "container was in terminated state."),
    ("kube_node_status_capacity", "gauge", "The capacity for different resources of a node."),
    ("kube_node_status_allocatable", "gauge", "The allocatable for different resources of a node "
     "that are available for scheduling."),
    ("kube_node_info", "gauge", "Information about a cluster node."),
    ("kube_node_role", "gauge", "The role of a cluster node."),
    ("kube_node_labels", "gauge", "Kubernetes labels converted to Prometheus labels."),
    ("kube_namespace_labels", "gauge", "Kubernetes labels converted to Prometheus labels."),
    ("kube_persistentvolumeclaim_info", "gauge", "Information about persistent volume claim."),
    ("kube_persistentvolumeclaim_resource_requests_storage_bytes", "gauge", "The capacity of "
     "storage requested by the persistent volume claim."),
    ("kube_persistentvolume_capacity_bytes", "gauge", "Persistentvolume capacity in bytes."),
    ("kubelet_volume_stats_used_bytes", "gauge", "Number of used bytes in the volume."),
    ("kubelet_volume_stats_capacity_bytes", "gauge", "Capacity in bytes of the volume."),
    ("haproxy_backend_http_responses", "counter", "Total of HTTP responses."),
)

# Target labels Prometheus adds per scrape job; every series starts with ``cluster`` and then these.
KUBELET: dict[str, str] = {"job": "kubelet", "service": "kubelet"}
CADVISOR: dict[str, str] = {**KUBELET, "metrics_path": "/metrics/cadvisor"}
KUBELET_METRICS: dict[str, str] = {**KUBELET, "metrics_path": "/metrics"}
KSM: dict[str, str] = {"job": "kube-state-metrics", "service": "kube-state-metrics"}
ROUTER: dict[str, str] = {"job": "router-internal-default", "service": "router-internal-default",
                          "namespace": "openshift-ingress"}
