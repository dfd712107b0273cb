"""The PromQL the collector sends: a fixed set per cluster and chunk of hours, never per pod.

Every query aggregates on the server (``sum by``/``max by`` over ``increase``, ``*_over_time`` and one
subquery), so the number of queries per cluster and collected day is a constant and the answer holds
one series per container, pod, node or claim.

Three evaluation grids, each a range query with a one-hour step:
- ``end``: at each hour's end, counters as ``increase(x[1h])`` (the range includes both boundary
  samples; counter resets are handled by ``increase``);
- ``gauge``: at hour start + 3599 s over ``[3599s]``, so each hour's gauge samples are counted once
  (the next hour's first sample is excluded); ``sum_over_time`` x scrape interval gives byte-seconds
  and ``count_over_time`` x interval the seconds an object was seen, as the Cost Management Metrics
  Operator reduces them;
- ``window``: one instant query at the chunk's end over the whole chunk, for label-only series
  (owners, node info and roles, claim info, namespace and pod labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Grid = Literal["end", "gauge", "window"]
GAUGE_RANGE_S = 3599
CONTAINERS = 'container!="",container!="POD"'  # the pod cgroup and the pause container double-count


@dataclass(frozen=True)
class Query:
    name: str
    template: str
    grid: Grid
    keys: tuple[str, ...]

    def render(self, selector: str, window_seconds: int = 0) -> str:
        """The PromQL with the cluster's matchers (``a="b",`` or empty) and the window range."""
        return self.template.format(S=selector, G=f"{GAUGE_RANGE_S}s", W=f"{max(window_seconds, 60)}s")


_C = ("namespace", "pod", "container")
_P = ("namespace", "pod")


def _counter(name: str, metric: str, matchers: str = CONTAINERS) -> Query:
    return Query(name, f"sum by (namespace, pod, container) (increase({metric}{{{{{{S}}{matchers}}}}}[1h]))",
                 "end", _C)


CONTAINER_QUERIES: tuple[Query, ...] = (
    _counter("cpu", "container_cpu_usage_seconds_total"),
    _counter("throttled_seconds", "container_cpu_cfs_throttled_seconds_total"),
    _counter("throttled_periods", "container_cpu_cfs_throttled_periods_total"),
    _counter("periods", "container_cpu_cfs_periods_total"),
    _counter("oom", "container_oom_events_total"),
    _counter("restarts", "kube_pod_container_status_restarts_total", matchers=""),
    Query("ws_sum", "sum by (namespace, pod, container) (sum_over_time(container_memory_working_set_bytes"
          f"{{{{{{S}}{CONTAINERS}}}}}[{{G}}]))", "gauge", _C),
    Query("ws_max", "max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes"
          f"{{{{{{S}}{CONTAINERS}}}}}[{{G}}]))", "gauge", _C),
    Query("rss_sum", "sum by (namespace, pod, container) (sum_over_time(container_memory_rss"
          f"{{{{{{S}}{CONTAINERS}}}}}[{{G}}]))", "gauge", _C),
    Query("requests", "max by (namespace, pod, container, resource) (avg_over_time("
          'kube_pod_container_resource_requests{{{S}resource=~"cpu|memory"}}[{G}]))', "gauge", (*_C, "resource")),
    Query("limits", "max by (namespace, pod, container, resource) (avg_over_time("
          'kube_pod_container_resource_limits{{{S}resource=~"cpu|memory"}}[{G}]))', "gauge", (*_C, "resource")),
)

# Peak 5-minute CPU rate in the hour: a subquery whose first point is 5 minutes into the hour, so
# every rate it takes lies inside the hour.
PEAK_CPU = Query("cpu_peak", "max by (namespace, pod, container) (max_over_time(rate("
                 f"container_cpu_usage_seconds_total{{{{{{S}}{CONTAINERS}}}}}[5m])[55m:1m]))", "end", _C)

POD_QUERIES: tuple[Query, ...] = (
    # Samples in phase Running (value 1; other phases 0), per pod instance then summed by name.
    Query("running", "sum by (namespace, pod) (max by (namespace, pod, uid) (sum_over_time("
          'kube_pod_status_phase{{{S}phase="Running"}}[{G}])))', "gauge", _P),
    # cAdvisor samples of the pod's containers: its seconds when kube-state-metrics has no phase for it.
    # (cAdvisor's node label is the pod's node when kube_pod_info has none.)
    Query("seen", "max by (namespace, pod, node) (count_over_time(container_memory_working_set_bytes"
          f"{{{{{{S}}{CONTAINERS}}}}}[{{G}}]))", "gauge", (*_P, "node")),
    Query("pod_node", "max by (namespace, pod, node) (max_over_time(kube_pod_info{{{S}}}[{G}]))", "gauge",
          (*_P, "node")),
)

OWNER_QUERIES: tuple[Query, ...] = (
    Query("pod_owner", "max by (namespace, pod, owner_kind, owner_name) (max_over_time(kube_pod_owner{{{S}}}[{W}]))",
          "window", (*_P, "owner_kind", "owner_name")),
    Query("replicaset_owner", "max by (namespace, replicaset, owner_kind, owner_name) (max_over_time("
          "kube_replicaset_owner{{{S}}}[{W}]))", "window", ("namespace", "replicaset", "owner_kind", "owner_name")),
    Query("rc_owner", "max by (namespace, replicationcontroller, owner_kind, owner_name) (max_over_time("
          "kube_replicationcontroller_owner{{{S}}}[{W}]))", "window",
          ("namespace", "replicationcontroller", "owner_kind", "owner_name")),
    Query("job_owner", "max by (namespace, job_name, owner_kind, owner_name) (max_over_time("
          "kube_job_owner{{{S}}}[{W}]))", "window", ("namespace", "job_name", "owner_kind", "owner_name")),
)

NODE_QUERIES: tuple[Query, ...] = (
    Query("node_capacity", "max by (node, resource) (avg_over_time(kube_node_status_capacity"
          '{{{S}resource=~"cpu|memory"}}[{G}]))', "gauge", ("node", "resource")),
    Query("node_allocatable", "max by (node, resource) (avg_over_time(kube_node_status_allocatable"
          '{{{S}resource=~"cpu|memory"}}[{G}]))', "gauge", ("node", "resource")),
    Query("node_seen", "max by (node) (count_over_time(kube_node_status_capacity"
          '{{{S}resource="cpu"}}[{G}]))', "gauge", ("node",)),
    Query("node_info", "max by (node, provider_id, system_uuid) (max_over_time(kube_node_info{{{S}}}[{W}]))",
          "window", ("node", "provider_id", "system_uuid")),
    Query("node_role", "max by (node, role) (max_over_time(kube_node_role{{{S}}}[{W}]))", "window", ("node", "role")),
    Query("node_zone", "max by (node, label_topology_kubernetes_io_zone) (max_over_time(kube_node_labels"
          "{{{S}}}[{W}]))", "window", ("node", "label_topology_kubernetes_io_zone")),
)

_PVC = ("namespace", "persistentvolumeclaim")
PVC_QUERIES: tuple[Query, ...] = (
    Query("pvc_request", "max by (namespace, persistentvolumeclaim) (sum_over_time("
          "kube_persistentvolumeclaim_resource_requests_storage_bytes{{{S}}}[{G}]))", "gauge", _PVC),
    Query("pvc_used", "max by (namespace, persistentvolumeclaim) (sum_over_time("
          "kubelet_volume_stats_used_bytes{{{S}}}[{G}]))", "gauge", _PVC),
    Query("pvc_kubelet_capacity", "max by (namespace, persistentvolumeclaim) (sum_over_time("
          "kubelet_volume_stats_capacity_bytes{{{S}}}[{G}]))", "gauge", _PVC),
    Query("pv_capacity", "max by (persistentvolume) (sum_over_time(kube_persistentvolume_capacity_bytes"
          "{{{S}}}[{G}]))", "gauge", ("persistentvolume",)),
    Query("pvc_info", "max by (namespace, persistentvolumeclaim, volumename, storageclass) (max_over_time("
          "kube_persistentvolumeclaim_info{{{S}}}[{W}]))", "window", (*_PVC, "volumename", "storageclass")),
)

NAMESPACE_QUERY = Query("namespace_labels", "max_over_time(kube_namespace_labels{{{S}}}[{W}])", "window", ())
# One series per pod name: its instances (uid) and the scrape's own labels are aggregated away, so
# only namespace, pod, the cluster matchers and the sanitised label_* names remain.
POD_LABELS_QUERY = Query("pod_labels", "max without (uid, instance, job, service, endpoint, container, "
                         "prometheus, prometheus_replica) (max_over_time(kube_pod_labels{{{S}}}[{W}]))", "window", ())


def all_queries(peak_cpu: bool) -> tuple[Query, ...]:
    """Every query of one cluster and chunk, in the order they are sent."""
    peak = (PEAK_CPU,) if peak_cpu else ()
    return (*CONTAINER_QUERIES, *peak, *POD_QUERIES, *OWNER_QUERIES, *NODE_QUERIES, *PVC_QUERIES, NAMESPACE_QUERY,
            POD_LABELS_QUERY)


def selector(matchers: dict[str, str]) -> str:
    """Label matchers as a PromQL prefix (``a="b",``), values escaped; a key ending in ``=~`` is a regex."""
    return "".join(f'{k[:-2]}=~"{_escape(v)}",' if k.endswith("=~") else f'{k}="{_escape(v)}",'
                   for k, v in sorted(matchers.items()))


# The queries whose answers are per container or pod: what a per-workload tool asks once per workload.
PER_POD = frozenset(q.name for q in (*CONTAINER_QUERIES, PEAK_CPU, *POD_QUERIES))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
