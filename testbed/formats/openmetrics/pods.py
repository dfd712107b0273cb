"""Pod and container series: cAdvisor's cgroups and kube-state-metrics' pod objects.

- A pod runs over whole hours, except that the first hour of a pod with ``pod_seconds < 3600`` ends
  at the hour's end (the pod started late) and a last hour with ``pod_seconds < 3600`` starts at the
  hour start (the pod stopped early). A gap in a pod's hours starts a new pod instance (new ``uid``,
  counters from 0).
- Gauges hold the interval's mean (``*_seconds`` fact / pod seconds) at every sample of the interval;
  the working set also places the hour's peak (``memory_max_bytes``) on one sample while keeping the
  sample mean equal to the fact. OOM kills and restarts are event counters.
- The pod-level cgroup (``container=""``) is the sum of its containers plus the pause container
  (``container="POD"``, a small constant load): the series collectors must exclude.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from testbed.formats.openmetrics.cluster import ClusterInput, column, strings, text, texts
from testbed.formats.openmetrics.families import CADVISOR, KSM
from testbed.formats.openmetrics.format import sanitize_label_name
from testbed.formats.openmetrics.identifiers import (
    address,
    container_cgroup,
    crc,
    crio_name,
    hex_digest,
    owner,
    pod_slice,
    pod_uid,
)
from testbed.formats.openmetrics.spool import Spool
from testbed.formats.openmetrics.timeline import (
    HOUR_S,
    Timeline,
    epoch_seconds,
    frame_chunks,
    grid,
    sort_series,
)

POD_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
PAUSE_CPU_CORES = 0.0002
PAUSE_MEMORY_BYTES = 1_048_576.0
CFS_PERIODS_PER_SECOND = 10.0  # 100 ms CFS period

_POD = ["namespace", "pod"]
_CONTAINER = ["namespace", "pod", "container"]
_RESOURCES = (("cpu", "core"), ("memory", "byte"))
_PAUSE_IMAGE = "registry.redhat.io/openshift4/ose-pod@sha256:" + hex_digest("pause")

# (namespace, owner kind, owner name) -> (workload kind, workload, first second, last second) of the
# ReplicaSets and ReplicationControllers the pods name, gathered across chunks.
Parents = dict[tuple[str, str, str], tuple[str, str, int, int]]


def write_pods(spool: Spool, c: ClusterInput, pods: pd.DataFrame | None, containers: pd.DataFrame | None, *,
               chunk_rows: int) -> None:
    """All pod and container series of a cluster, expanded ``chunk_rows`` hourly rows at a time."""
    if pods is None:
        assert containers is not None
        keys = containers[["namespace", "pod", "hour", "node"]].drop_duplicates(["namespace", "pod", "hour"])
        pods = keys.assign(pod_seconds=float(HOUR_S), workload=None, workload_kind=None)
    pods = _pod_intervals(pods)
    pods["_uid"] = [
        pod_uid(c.cluster, ns, pod, a) for ns, pod, a in zip(
            pods["namespace"], pods["pod"], pods.groupby("_seg")["_a"].transform("min"), strict=True)
    ]
    if containers is None:
        cont = _containers_from_pods(pods)
    else:
        cont = containers.copy()
        cont["_h"] = epoch_seconds(cont["hour"])
        cont = cont.merge(
            pods[["namespace", "pod", "_h", "_a", "_b", "_p", "_seg", "_uid", "workload", "workload_kind"]
                 + ([] if "node" in cont else ["node"])],
            on=["namespace", "pod", "_h"], how="inner")
    cont = sort_series(cont, _CONTAINER)
    for part in frame_chunks(cont, _CONTAINER, chunk_rows):
        _write_containers(spool, c, part)
    pods = _with_container_sums(pods, cont)
    parents: Parents = {}
    for part in frame_chunks(pods, _POD, chunk_rows):
        _write_pod_level(spool, c, part, parents)
    _write_parents(spool, c, parents)


def _pod_intervals(pods: pd.DataFrame) -> pd.DataFrame:
    """Pod rows sorted by pod and hour with run intervals ``_a``/``_b`` (Unix seconds) and ``_seg``."""
    pods = pods[pods["pod_seconds"].fillna(0) > 0].copy()
    pods["_h"] = epoch_seconds(pods["hour"])
    pods = pods.sort_values(["namespace", "pod", "_h"], kind="stable").reset_index(drop=True)
    h = pods["_h"].to_numpy()
    key = (pods["namespace"].astype(str) + "/" + pods["pod"].astype(str)).to_numpy()
    first = np.ones(len(pods), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (h[1:] != h[:-1] + HOUR_S)
    last = np.ones(len(pods), dtype=bool)
    last[:-1] = first[1:]
    p = np.clip(np.rint(pods["pod_seconds"].to_numpy(float)), 1, HOUR_S).astype(np.int64)
    a, b = h.copy(), h + HOUR_S
    starts_late = first & ~last & (p < HOUR_S)
    a[starts_late] = b[starts_late] - p[starts_late]
    stops_early = last & ~starts_late & (p < HOUR_S)
    b[stops_early] = a[stops_early] + p[stops_early]
    pods["_a"], pods["_b"], pods["_seg"] = a, b, np.cumsum(first)
    pods["_p"] = (b - a).astype(float)
    return pods


def _containers_from_pods(pods: pd.DataFrame) -> pd.DataFrame:
    """One container per pod, named after its workload, when there are no container facts."""
    c = pods.copy()
    fallback = c["pod"].astype(str).str.rsplit("-", n=1).str[0]
    c["container"] = c["workload"].where(c["workload"].notna(), fallback) if "workload" in c else fallback
    return c


def _with_container_sums(pods: pd.DataFrame, cont: pd.DataFrame) -> pd.DataFrame:
    """Pod rows with their containers' usage summed (the pod cgroup holds all of them)."""
    sums = cont.assign(
        _cpu=column(cont, "cpu_usage_core_seconds"), _ws=column(cont, "memory_usage_byte_seconds"),
        _rss=column(cont, "memory_rss_byte_seconds"), _thr=column(cont, "cpu_throttled_seconds"),
        _oom=column(cont, "oom_kills"),
    ).groupby(["namespace", "pod", "_h"])[["_cpu", "_ws", "_rss", "_thr", "_oom"]].sum(min_count=1)
    return pods.merge(sums, left_on=["namespace", "pod", "_h"], right_index=True, how="left")


def _cadvisor_labels(c: ClusterInput, node: str, ns: str, pod: str) -> dict[str, str]:
    return {**c.labels(CADVISOR), "instance": f"{c.node_ip(node)}:10250", "node": node, "namespace": ns,
            "pod": pod}


def _container_labels(pod_labels: dict[str, str], uid: str, container: str, image: str) -> dict[str, str]:
    """cAdvisor's labels of one container's cgroup in the pod of ``pod_labels``."""
    return {**pod_labels, "container": container, "id": container_cgroup(uid, container), "image": image,
            "name": crio_name(container, pod_labels["pod"], pod_labels["namespace"], uid)}


def _write_containers(spool: Spool, c: ClusterInput, cont: pd.DataFrame) -> None:
    tl = Timeline.of_frame(cont, _CONTAINER, c.step)
    p = cont["_p"].to_numpy()
    ws = column(cont, "memory_usage_byte_seconds") / p
    rss = column(cont, "memory_rss_byte_seconds") / p
    rss = np.where(np.isfinite(rss), rss, 0.85 * ws)
    cache = np.array([0.05 + (crc(n) % 30) / 100 for n in cont["container"].astype(str)])
    cpu_limit = column(cont, "cpu_limit_core_seconds")
    periods = column(cont, "cpu_periods")
    periods = np.where(np.isfinite(periods), periods,
                       np.where(np.isfinite(cpu_limit), CFS_PERIODS_PER_SECOND * p, 0.0))
    thr_s = np.nan_to_num(column(cont, "cpu_throttled_seconds"))
    thr_p = column(cont, "cpu_throttled_periods")
    thr_p = np.where(np.isfinite(thr_p), thr_p, np.minimum(periods, np.ceil(thr_s * 20)))
    oom = np.nan_to_num(column(cont, "oom_kills"))
    gauges = {
        "container_memory_working_set_bytes": tl.gauge_with_peak(ws, column(cont, "memory_max_bytes")),
        "container_memory_usage_bytes": tl.gauge(ws * (1 + cache)),
        "container_memory_rss": tl.gauge(rss),
    }
    counters = {
        "container_cpu_usage_seconds": tl.counter(column(cont, "cpu_usage_core_seconds")),
        "container_cpu_cfs_periods": tl.counter(periods),
        "container_cpu_cfs_throttled_periods": tl.counter(thr_p),
        "container_cpu_cfs_throttled_seconds": tl.counter(thr_s),
        "container_oom_events": tl.counter(oom, steps=True),
    }
    restarts = tl.counter(column(cont, "restarts", 0.0), steps=True)
    # Requests and limits per resource, in the order the series are written.
    resources = [
        (resource, unit, family, tl.gauge(column(cont, f"{resource}_{kind}_{unit}_seconds") / p))
        for resource, unit in _RESOURCES
        for family, kind in (("kube_pod_container_resource_requests", "request"),
                             ("kube_pod_container_resource_limits", "limit"))
    ]
    first_oom_mid = np.where(oom > 0, (cont["_a"].to_numpy() + cont["_b"].to_numpy()) / 2, np.inf)
    ns_, pod_, name_, node_, uid_ = strings(cont, "namespace", "pod", "container", "node", "_uid")
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        ns, pod, name, node, uid = ns_[r], pod_[r], name_[r], node_[r], uid_[r]
        cadvisor = _container_labels(_cadvisor_labels(c, node, ns, pod), uid, name,
                                     f"image-registry.openshift-image-registry.svc:5000/{ns}/{name}:1.0")
        for fam, values in gauges.items():
            spool.gauge(fam, cadvisor, tl, values, g)
        for fam, counter in counters.items():
            spool.counter(fam, cadvisor, tl, counter, g)
        ksm = {**c.labels(KSM), "namespace": ns, "pod": pod, "uid": uid, "container": name}
        for resource, unit, fam, values in resources:
            spool.gauge(fam, {**ksm, "node": node, "resource": resource, "unit": unit}, tl, values, g)
        spool.counter("kube_pod_container_status_restarts", ksm, tl, restarts, g)
        rows = tl.rows(g)
        oom_from = first_oom_mid[rows.start:rows.stop].min()
        if np.isfinite(oom_from):
            t = tl.times(g)
            spool.constant("kube_pod_container_status_last_terminated_reason", {**ksm, "reason": "OOMKilled"},
                           t[t >= oom_from])


def _write_pod_level(spool: Spool, c: ClusterInput, pods: pd.DataFrame, parents: Parents) -> None:
    """The pod cgroup (container="") and pause container (container="POD"), plus pod objects."""
    tl = Timeline.of_frame(pods, _POD, c.step)
    p = pods["_p"].to_numpy()
    pause_cpu = PAUSE_CPU_CORES * p
    ws = np.nan_to_num(pods["_ws"].to_numpy(float)) / p
    rss = pods["_rss"].to_numpy(float) / p
    rss = np.where(np.isfinite(rss), rss, 0.85 * ws)
    pod_counters = {
        "container_cpu_usage_seconds": tl.counter(np.nan_to_num(pods["_cpu"].to_numpy(float)) + pause_cpu),
        "container_cpu_cfs_throttled_seconds": tl.counter(pods["_thr"].to_numpy(float)),
        "container_oom_events": tl.counter(pods["_oom"].to_numpy(float), steps=True),
    }
    pod_gauges = {
        "container_memory_working_set_bytes": tl.gauge(ws + PAUSE_MEMORY_BYTES),
        "container_memory_usage_bytes": tl.gauge(1.15 * ws + PAUSE_MEMORY_BYTES),
        "container_memory_rss": tl.gauge(rss + PAUSE_MEMORY_BYTES),
    }
    pause_cpu_counter = tl.counter(pause_cpu)
    pause_mem = tl.gauge(np.full(len(pods), PAUSE_MEMORY_BYTES))
    ns_, pod_, node_, uid_ = strings(pods, "namespace", "pod", "node", "_uid")
    workloads, kinds = texts(pods, "workload"), texts(pods, "workload_kind")
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        ns, pod, node, uid = ns_[r], pod_[r], node_[r], uid_[r]
        base = _cadvisor_labels(c, node, ns, pod)
        cgroup = {**base, "container": "", "id": pod_slice(uid), "image": "", "name": ""}
        for fam, counter in pod_counters.items():
            spool.counter(fam, cgroup, tl, counter, g)
        for fam, values in pod_gauges.items():
            spool.gauge(fam, cgroup, tl, values, g)
        pause = _container_labels(base, uid, "POD", _PAUSE_IMAGE)
        spool.counter("container_cpu_usage_seconds", pause, tl, pause_cpu_counter, g)
        spool.gauge("container_memory_working_set_bytes", pause, tl, pause_mem, g)
        t = tl.times(g)
        ksm = {**c.labels(KSM), "namespace": ns, "pod": pod, "uid": uid}
        for phase in POD_PHASES:
            spool.constant("kube_pod_status_phase", {**ksm, "phase": phase}, t, 1.0 if phase == "Running" else 0.0)
        owner_kind, owner_name = owner(kinds[r], workloads[r], pod)
        spool.constant("kube_pod_info", {
            **ksm, "node": node, "host_ip": c.node_ip(node), "pod_ip": address("10.128", c.cluster, uid),
            "created_by_kind": owner_kind, "created_by_name": owner_name, "host_network": "false",
            "priority_class": "openshift-user-critical" if ns.startswith("openshift-") else ""}, t)
        spool.constant("kube_pod_owner", {**ksm, "owner_kind": owner_kind, "owner_name": owner_name,
                                          "owner_is_controller": "true"}, t)
        # kube-state-metrics v2: the allowlisted labels, sanitised; a pod without any still has the series.
        spool.constant("kube_pod_labels", {**ksm, **{sanitize_label_name(k): text(v) for k, v in sorted(
            c.pod_labels.get((ns, pod), {}).items())}}, t)
        if owner_kind in ("ReplicaSet", "ReplicationController"):
            key = (ns, owner_kind, owner_name)
            lo, hi = int(tl.a[r]), tl.closing_time(g)
            prev = parents.get(key)
            parents[key] = (kinds[r], workloads[r], min(lo, prev[2]) if prev else lo,
                            max(hi, prev[3]) if prev else hi)


def _write_parents(spool: Spool, c: ClusterInput, parents: Parents) -> None:
    """kube-state-metrics' owner series of the ReplicaSets and ReplicationControllers, over their pods' time."""
    for (ns, owner_kind, name), (kind, workload, lo, hi) in sorted(parents.items()):
        if owner_kind == "ReplicaSet":
            fam, labels = "kube_replicaset_owner", {"replicaset": name}
        else:
            fam, labels = "kube_replicationcontroller_owner", {"replicationcontroller": name}
        spool.constant(fam, {**c.labels(KSM), "namespace": ns, **labels, "owner_kind": kind,
                             "owner_name": workload, "owner_is_controller": "true"}, grid(lo, hi, c.step))
