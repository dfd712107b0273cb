"""Series of a cluster's objects other than pods: nodes, namespaces, PVCs and the router's routes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from testbed.formats.openmetrics.cluster import ClusterInput, column, text, text_at
from testbed.formats.openmetrics.families import KSM, KUBELET_METRICS, ROUTER
from testbed.formats.openmetrics.format import sanitize_label_name
from testbed.formats.openmetrics.identifiers import hex_digest, pod_uid
from testbed.formats.openmetrics.spool import Spool
from testbed.formats.openmetrics.timeline import HOUR_S, Timeline, sort_series, with_intervals

SLI_BUCKET_S = 300
_NODE_CAPACITY_KINDS = ("capacity", "allocatable")
_PODS_PER_NODE = 250.0


def write_nodes(spool: Spool, c: ClusterInput) -> None:
    """Node capacity and objects over the node's hours, or over the whole span when there are no facts."""
    facts = c.frame("node_hourly")
    dims = c.nodes.set_index(c.nodes["node"].astype(str)) if len(c.nodes) else pd.DataFrame()
    if facts is not None:
        f = facts[facts["node_seconds"].fillna(0) > 0]
        secs = f["node_seconds"].to_numpy(float)
        f = with_intervals(f, "hour", np.clip(np.rint(secs), 1, HOUR_S).astype(np.int64))
        for kind in _NODE_CAPACITY_KINDS:
            f[f"_cpu_{kind}"] = f[f"cpu_{kind}_core_seconds"].to_numpy(float) / secs
            f[f"_mem_{kind}"] = f[f"memory_{kind}_byte_seconds"].to_numpy(float) / secs
    elif len(dims):
        lo, hi = c.span_seconds()
        f = pd.DataFrame({"node": dims.index, "role": dims["role"].to_numpy(), "_a": lo, "_b": hi})
        for kind in _NODE_CAPACITY_KINDS:
            f[f"_cpu_{kind}"] = dims["cpu_cores"].to_numpy(float)
            f[f"_mem_{kind}"] = dims["memory_bytes"].to_numpy(float)
    else:
        return
    f = sort_series(f, ["node"])
    tl = Timeline.of_frame(f, ["node"], c.step)
    pods_cap = tl.gauge(np.full(len(f), _PODS_PER_NODE))
    # Per capacity kind, each resource's (name, unit, per-sample values) in the order they are written.
    capacities = {kind: (("cpu", "core", tl.gauge(f[f"_cpu_{kind}"].to_numpy(float))),
                         ("memory", "byte", tl.gauge(f[f"_mem_{kind}"].to_numpy(float))),
                         ("pods", "integer", pods_cap)) for kind in _NODE_CAPACITY_KINDS}
    ksm = c.labels(KSM)
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        node = str(f["node"].iat[r])
        info = dims.loc[node] if node in dims.index else pd.Series(dtype=object)
        role = text(f["role"].iat[r] if "role" in f else info.get("role"), "worker")
        for kind, resources in capacities.items():
            for resource, unit, values in resources:
                spool.gauge(f"kube_node_status_{kind}", {**ksm, "node": node, "resource": resource, "unit": unit},
                            tl, values, g)
        t = tl.times(g)
        vm_uuid = text(info.get("vm_uuid"))
        spool.constant("kube_node_info", {
            **ksm, "node": node, "provider_id": text(info.get("provider_id"), f"vsphere://{vm_uuid}"),
            "system_uuid": vm_uuid, "internal_ip": c.node_ip(node),
            "kubelet_version": "v1.27.6+f67aeb3", "container_runtime_version": "cri-o://1.27.1-6.rhaos4.14",
            "kernel_version": "5.14.0-284.36.1.el9_2.x86_64",
            "os_image": "Red Hat Enterprise Linux CoreOS 414.92.202310210434-0 (Plow)"}, t)
        spool.constant("kube_node_role", {**ksm, "node": node, "role": role}, t)
        node_labels = {f"label_node_role_kubernetes_io_{role}": "", "label_kubernetes_io_hostname": node}
        zone = text(info.get("zone"))
        if zone:
            node_labels["label_topology_kubernetes_io_zone"] = zone
        spool.constant("kube_node_labels", {**ksm, "node": node, **node_labels}, t)


def write_namespaces(spool: Spool, c: ClusterInput) -> None:
    """Each namespace's Kubernetes labels, over the whole span."""
    if not len(c.namespaces):
        return
    t = c.span_grid()
    for ns, raw in zip(c.namespaces["namespace"].astype(str), c.namespaces.get(
            "labels", pd.Series([None] * len(c.namespaces))), strict=True):
        labels = {sanitize_label_name("kubernetes.io/metadata.name"): ns}
        for key, value in (json.loads(raw) if isinstance(raw, str) and raw else {}).items():
            labels[sanitize_label_name(key)] = text(value)
        spool.constant("kube_namespace_labels", {**c.labels(KSM), "namespace": ns, **labels}, t)


def write_pvcs(spool: Spool, c: ClusterInput) -> None:
    """PVC objects (kube-state-metrics) and volume usage (kubelet), hour by hour."""
    f = c.frame("pvc_hourly")
    if f is None:
        return
    keys = ["namespace", "pvc"]
    f = sort_series(with_intervals(f, "hour", HOUR_S), keys)
    tl = Timeline.of_frame(f, keys, c.step)
    cap = tl.gauge(column(f, "capacity_byte_seconds") / HOUR_S)
    req = tl.gauge(column(f, "request_byte_seconds") / HOUR_S)
    used = tl.gauge(column(f, "usage_byte_seconds") / HOUR_S)
    ksm = c.labels(KSM)
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        ns, pvc = str(f["namespace"].iat[r]), str(f["pvc"].iat[r])
        pv = text_at(f, "persistent_volume", r, f"pvc-{pod_uid(c.cluster, ns, pvc, 0)}")
        sc = text_at(f, "storage_class", r, "thin-csi")
        claim = {"namespace": ns, "persistentvolumeclaim": pvc}
        spool.constant("kube_persistentvolumeclaim_info", {**ksm, **claim, "storageclass": sc, "volumename": pv},
                       tl.times(g))
        spool.gauge("kube_persistentvolumeclaim_resource_requests_storage_bytes", {**ksm, **claim}, tl, req, g)
        spool.gauge("kube_persistentvolume_capacity_bytes", {**ksm, "persistentvolume": pv}, tl, cap, g)
        kubelet = {**c.labels(KUBELET_METRICS), **claim}
        spool.gauge("kubelet_volume_stats_used_bytes", kubelet, tl, used, g)
        spool.gauge("kubelet_volume_stats_capacity_bytes", kubelet, tl, cap, g)


def write_slis(spool: Spool, c: ClusterInput) -> None:
    """The router's HTTP responses per route, from the availability SLI's 5-minute good and bad events."""
    f = c.frame("sli_5m")
    if f is None:
        return
    f = f[f["sli"].astype(str) == "availability"]
    if f.empty:
        return
    keys = ["namespace", "service"]
    f = sort_series(with_intervals(f, "bucket_start", SLI_BUCKET_S), keys)
    tl = Timeline.of_frame(f, keys, c.step)
    good = column(f, "good_events")
    codes = {"2xx": tl.counter(good), "5xx": tl.counter(column(f, "total_events") - good)}
    router = {**c.labels(ROUTER), "pod": f"router-default-{hex_digest(c.cluster, length=10)}-"
              f"{hex_digest(c.cluster, 'r', length=5)}", "backend": "https"}
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        route = {"route": str(f["service"].iat[r]), "exported_namespace": str(f["namespace"].iat[r])}
        for code, counter in codes.items():
            spool.counter("haproxy_backend_http_responses", {**router, **route, "code": code}, tl, counter, g)
