"""Query results to hourly frames, and those frames to the warehouse's fact and dimension rows.

Units are the warehouse's: CPU in core-seconds and memory in byte-seconds per hour. Rules for
inconsistent input, each on purpose:
- a container-hour exists where its pod ran (kube-state-metrics phase Running) or where cAdvisor saw
  it; requests and limits of pods that did not run are dropped (they exist in every phase);
- a pod's seconds come from its Running samples, else from cAdvisor's samples of its containers,
  times the scrape interval, at most an hour;
- series without a namespace or pod label cannot be attributed and are dropped (counted);
- a pod that ran but has no cAdvisor series gets zero usage (it is kept for its requests);
- a pod's node comes from kube_pod_info, else from cAdvisor's node label;
- a NaN answer (one NaN sample makes a whole ``*_over_time`` NaN) leaves that value unknown: NULL
  where the column allows it, else 0 (CPU and working set), and the runner counts what it dropped;
- non-finite samples were already dropped by the query runner.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from collectors.prometheus.client import Result
from collectors.prometheus.queries import GAUGE_RANGE_S, Query

log = logging.getLogger(__name__)

SOURCE = "prometheus"
HOUR_S = 3600.0
_OFFSET = {"end": 3600, "gauge": GAUGE_RANGE_S}
_ROLE_RANK = {"master": 0, "control-plane": 0, "infra": 1, "worker": 2}


def to_frame(query: Query, result: Result) -> pd.DataFrame:
    """Long frame of one query's answer: its key labels ('' when absent), ``hour`` (range grids) and ``value``."""
    keys = list(query.keys)
    labels: list[tuple[str, ...]] = []
    arrays: list[np.ndarray] = []
    for series in result:
        values = series["values"]
        if not len(values):
            continue
        metric = series.get("metric", {})
        labels.append(tuple(metric.get(k, "") for k in keys))
        arrays.append(values[-1:] if query.grid == "window" else values)
    counts = np.array([len(a) for a in arrays], dtype=np.int64)
    data = np.concatenate(arrays) if arrays else np.empty((0, 2))
    # Object columns: pandas' default string dtype costs more to build and to group by here.
    frame = pd.DataFrame({k: pd.Series(np.repeat(np.array([lab[i] for lab in labels], dtype=object), counts),
                                       dtype=object) for i, k in enumerate(keys)})
    frame["value"] = data[:, 1]
    if query.grid == "window":
        return frame
    seconds = np.rint(data[:, 0]).astype(np.int64) - _OFFSET[query.grid]
    frame["hour"] = pd.to_datetime(seconds, unit="s").astype("datetime64[us]")
    return frame


def namespace_label_sets(result: Result) -> dict[str, dict[str, str]]:
    """kube_namespace_labels' label_* labels per namespace (label sets seen in the window merged)."""
    out: dict[str, dict[str, str]] = {}
    for series in result:
        metric = series.get("metric", {})
        ns = metric.get("namespace")
        if ns:
            out.setdefault(ns, {}).update({k: v for k, v in metric.items() if k.startswith("label_")})
    return out


def pod_label_sets(result: Result) -> dict[tuple[str, str], dict[str, str]]:
    """kube_pod_labels' label_* labels per (namespace, pod); a pod with no label_* has an empty set."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for series in result:
        metric = series.get("metric", {})
        ns, pod = metric.get("namespace"), metric.get("pod")
        if ns and pod:
            out.setdefault((ns, pod), {}).update({k: v for k, v in metric.items() if k.startswith("label_")})
    return out


def sanitize(key: str) -> str:
    """kube-state-metrics' label name for a Kubernetes label key."""
    return "label_" + "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in key)


# Pod label keys restored besides the namespace mapping's: the Kubernetes recommended labels and the
# ECS mapping labels (a pod's ``ecs/cost-centre`` overrides its namespace's).
POD_LABEL_KEYS: tuple[str, ...] = (
    "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
    "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by",
    "statefulset.kubernetes.io/pod-name", "ecs/sector", "ecs/application", "ecs/cost-centre",
)


def restore_labels(sanitised: dict[str, str], known_keys: Iterable[str]) -> dict[str, str]:
    """Kubernetes label keys from sanitised names: known keys restored, others without ``label_``."""
    reverse = {sanitize(k): k for k in known_keys}
    return {reverse.get(name, name.removeprefix("label_")): value for name, value in sorted(sanitised.items())
            if value != ""}


def attributable(frames: dict[str, pd.DataFrame], cluster: str) -> dict[str, pd.DataFrame]:
    """The answers without the points of series that have no namespace or pod label: they cannot be
    attributed to anyone, so they are dropped (and counted in the log) once, before the reductions."""
    out = {}
    for name, frame in frames.items():
        if "namespace" in frame and "pod" in frame:
            bad = (frame["namespace"] == "") | (frame["pod"] == "")
            if bad.any():
                log.warning("%s: %d %s points without a namespace or pod label dropped", cluster, int(bad.sum()),
                            name)
                frame = frame[~bad]
        out[name] = frame
    return out


def _empty(keys: list[str]) -> pd.Series:
    """An empty value series indexed by ``keys`` (so joins on an empty answer keep their columns)."""
    levels = [np.array([], dtype="datetime64[us]" if k == "hour" else object) for k in keys]
    return pd.Series([], dtype=float, name="value", index=pd.MultiIndex.from_arrays(levels, names=keys))


def _keyed(frames: dict[str, pd.DataFrame], name: str, keys: list[str]) -> pd.Series:
    frame = frames[name]
    return frame.groupby(keys)["value"].sum() if len(frame) else _empty(keys)


def container_rows(frames: dict[str, pd.DataFrame], interval: float, cluster: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(container_usage_hourly rows, pod seconds per (namespace, pod, hour)) of one cluster."""
    ck = ["namespace", "pod", "container", "hour"]
    pk = ["namespace", "pod", "hour"]
    running = _keyed(frames, "running", pk) * interval
    seen = frames["seen"]
    seen = (seen.groupby(pk)["value"].max() if len(seen) else _empty(pk)) * interval
    pod_seconds = running[running > 0].combine_first(seen[seen > 0]).clip(upper=HOUR_S).rename("pod_seconds")
    usage = {
        "cpu_usage_core_seconds": "cpu", "cpu_throttled_seconds": "throttled_seconds",
        "cpu_throttled_periods": "throttled_periods", "cpu_periods": "periods", "oom_kills": "oom",
        "restarts": "restarts", "_ws": "ws_sum", "_rss": "rss_sum", "memory_max_bytes": "ws_max",
        "cpu_max_cores": "cpu_peak",
    }
    parts = {col: _keyed(frames, name, ck) for col, name in usage.items() if name in frames}
    for kind in ("requests", "limits"):
        f = frames[kind]
        for resource in ("cpu", "memory"):
            sub = f[f["resource"] == resource]
            parts[f"_{kind}_{resource}"] = sub.groupby(ck)["value"].max() if len(sub) else _empty(ck)
    wide = pd.concat({k: v for k, v in parts.items() if len(v)}, axis=1) if any(len(v) for v in parts.values()) \
        else pd.DataFrame(columns=list(parts), index=_empty(ck).index, dtype=float)
    wide = wide.reindex(columns=list(parts))
    wide = wide.reset_index().merge(pod_seconds.reset_index(), on=pk, how="left")
    observed = wide[["cpu_usage_core_seconds", "_ws"]].notna().any(axis=1)
    # A container-hour needs its pod running, or cAdvisor usage of its own.
    wide = wide[(wide["pod_seconds"] > 0) | observed].copy()
    wide["pod_seconds"] = wide["pod_seconds"].fillna(0.0)
    secs = wide["pod_seconds"]
    out = pd.DataFrame({
        "hour": wide["hour"], "source": SOURCE, "cluster_id": cluster,
        "namespace": wide["namespace"], "pod": wide["pod"], "container": wide["container"],
        "cpu_usage_core_seconds": wide["cpu_usage_core_seconds"].fillna(0.0),
        "cpu_request_core_seconds": wide["_requests_cpu"] * secs,
        "cpu_limit_core_seconds": wide["_limits_cpu"] * secs,
        "memory_usage_byte_seconds": (wide["_ws"] * interval).fillna(0.0),
        "memory_rss_byte_seconds": wide["_rss"] * interval,
        "memory_request_byte_seconds": wide["_requests_memory"] * secs,
        "memory_limit_byte_seconds": wide["_limits_memory"] * secs,
        "memory_max_bytes": wide["memory_max_bytes"],
        "cpu_max_cores": wide["cpu_max_cores"],
        "cpu_throttled_seconds": wide["cpu_throttled_seconds"],
        "cpu_throttled_periods": wide["cpu_throttled_periods"],
        "cpu_periods": wide["cpu_periods"],
        "oom_kills": _counts(wide["oom_kills"]),
        "restarts": _counts(wide["restarts"]),
    })
    return out.reset_index(drop=True), pod_seconds


def _counts(values: pd.Series) -> pd.Series:
    """Event counts from ``increase`` (which extrapolates slightly): rounded, NULL when unknown.

    A count no integer column can hold stays a float, so the load's validation refuses its row
    by name instead of the cast failing the whole cluster."""
    rounded = values.astype("float64").round()
    if (rounded.abs() > 2.0**53).any() or np.isinf(rounded).any():
        return rounded
    return rounded.astype("Int64")


def workloads(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(namespace, pod) -> workload and kind through kube_pod_owner and the ReplicaSet/RC/Job owners."""
    owners = frames["pod_owner"]
    parents: dict[tuple[str, str, str], tuple[str, str]] = {}
    for kind, name, col in (("ReplicaSet", "replicaset_owner", "replicaset"),
                            ("ReplicationController", "rc_owner", "replicationcontroller"),
                            ("Job", "job_owner", "job_name")):
        f = frames[name]
        for ns, parent, okind, oname in zip(f["namespace"], f[col], f["owner_kind"], f["owner_name"], strict=True):
            if okind and okind != "<none>" and oname:
                parents[(ns, kind, parent)] = (okind, oname)
    rows = []
    for ns, pod, kind, name in zip(owners["namespace"], owners["pod"], owners["owner_kind"], owners["owner_name"],
                                   strict=True):
        if not kind or kind == "<none>" or not name or name == "<none>":
            continue
        wkind, wname = parents.get((ns, kind, name), (kind, name))
        rows.append((ns, pod, wname, wkind))
    out = pd.DataFrame(rows, columns=["namespace", "pod", "workload", "workload_kind"])
    return out.drop_duplicates(["namespace", "pod"], keep="last")


def pod_rows(containers: pd.DataFrame, pod_seconds: pd.Series, frames: dict[str, pd.DataFrame],
             owners: pd.DataFrame, cluster: str) -> pd.DataFrame:
    """pod_usage_hourly rows: the pod's containers summed, its seconds, node and workload."""
    pk = ["namespace", "pod", "hour"]
    # A pod limit exists only when every container has one (one unlimited container lifts the pod's).
    g = containers.groupby(pk)
    sums = g[["cpu_usage_core_seconds", "memory_usage_byte_seconds"]].sum()
    partial = g[["cpu_request_core_seconds", "memory_request_byte_seconds", "cpu_throttled_seconds",
                 "oom_kills"]].sum(min_count=1)
    limit_cols = ["cpu_limit_core_seconds", "memory_limit_byte_seconds"]
    limits = g[limit_cols].sum(min_count=1).where(g[limit_cols].count().eq(g.size(), axis=0))
    sums = pd.concat([sums, partial, limits], axis=1)
    seconds = pod_seconds[pod_seconds > 0]
    pods = sums.join(seconds, how="outer").reset_index()
    pods["pod_seconds"] = pods["pod_seconds"].fillna(0.0)
    for col in ("cpu_usage_core_seconds", "memory_usage_byte_seconds", "cpu_request_core_seconds",
                "memory_request_byte_seconds"):
        pods[col] = pods[col].fillna(0.0)
    # The pod's node from kube_pod_info, else from cAdvisor's node label.
    node = pd.concat([frames["pod_node"], frames["seen"]], ignore_index=True)
    node = node[node["node"] != ""].drop_duplicates(pk, keep="first")[[*pk, "node"]]
    pods = pods.merge(node, on=pk, how="left").merge(owners, on=["namespace", "pod"], how="left")
    pods.insert(1, "source", SOURCE)
    pods.insert(2, "cluster_id", cluster)
    pods["oom_kills"] = _counts(pods["oom_kills"])
    return pods


def node_rows(frames: dict[str, pd.DataFrame], pods: pd.DataFrame, interval: float,
              cluster: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(node_hourly rows, node dimension rows) of one cluster."""
    seen = frames["node_seen"]
    seen = seen[seen["node"] != ""]
    facts = seen.assign(node_seconds=(seen["value"] * interval).clip(upper=HOUR_S))[["node", "hour", "node_seconds"]]
    for kind in ("capacity", "allocatable"):
        f = frames[f"node_{kind}"]
        wide = f.pivot_table(index=["node", "hour"], columns="resource", values="value", aggfunc="max") \
            if len(f) else pd.DataFrame(columns=["cpu", "memory"])
        wide = wide.reindex(columns=["cpu", "memory"]).rename(
            columns={"cpu": f"_cpu_{kind}", "memory": f"_mem_{kind}"}).reset_index()
        facts = facts.merge(wide, on=["node", "hour"], how="left") if len(wide) else facts.assign(
            **{f"_cpu_{kind}": np.nan, f"_mem_{kind}": np.nan})
    usage = pods[pods["node"].notna()].groupby(["node", "hour"])[
        ["cpu_usage_core_seconds", "memory_usage_byte_seconds"]].sum().reset_index()
    facts = facts.merge(usage, on=["node", "hour"], how="left")
    roles = _roles(frames["node_role"])
    secs = facts["node_seconds"]
    out = pd.DataFrame({
        "hour": facts["hour"], "source": SOURCE, "cluster_id": cluster, "node": facts["node"],
        "role": facts["node"].map(roles),
        "node_seconds": secs,
        "cpu_capacity_core_seconds": facts["_cpu_capacity"] * secs,
        "cpu_allocatable_core_seconds": facts["_cpu_allocatable"] * secs,
        "memory_capacity_byte_seconds": facts["_mem_capacity"] * secs,
        "memory_allocatable_byte_seconds": facts["_mem_allocatable"] * secs,
        "cpu_usage_core_seconds": facts["cpu_usage_core_seconds"].fillna(0.0),
        "memory_usage_byte_seconds": facts["memory_usage_byte_seconds"].fillna(0.0),
    })
    missing = out[["cpu_capacity_core_seconds", "memory_capacity_byte_seconds"]].isna().any(axis=1)
    if missing.any():
        log.warning("%s: %d node-hours without capacity dropped", cluster, int(missing.sum()))
        out = out[~missing]
    out["cpu_allocatable_core_seconds"] = out["cpu_allocatable_core_seconds"].fillna(out["cpu_capacity_core_seconds"])
    out["memory_allocatable_byte_seconds"] = out["memory_allocatable_byte_seconds"].fillna(
        out["memory_capacity_byte_seconds"])
    return out.reset_index(drop=True), _node_dimension(frames, out, roles, cluster)


def _roles(frame: pd.DataFrame) -> dict[str, str]:
    """One role per node; a node with several (master and worker) takes the most specific."""
    best: dict[str, str] = {}
    for node, role in zip(frame["node"], frame["role"], strict=True):
        if node and role and (node not in best or _ROLE_RANK.get(role, 3) < _ROLE_RANK.get(best[node], 3)):
            best[node] = role
    return best


def _node_dimension(frames: dict[str, pd.DataFrame], facts: pd.DataFrame, roles: dict[str, str],
                    cluster: str) -> pd.DataFrame:
    info = frames["node_info"]
    info = info[info["node"] != ""].drop_duplicates("node", keep="last").set_index("node")
    zones = frames["node_zone"]
    zones = zones[zones["label_topology_kubernetes_io_zone"] != ""].drop_duplicates("node", keep="last") \
        .set_index("node")["label_topology_kubernetes_io_zone"]
    cap = frames["node_capacity"].sort_values("hour").drop_duplicates(["node", "resource"], keep="last")
    cores = cap[cap["resource"] == "cpu"].set_index("node")["value"]
    memory = cap[cap["resource"] == "memory"].set_index("node")["value"]
    nodes = sorted(set(info.index) | set(facts["node"]))
    provider = [info["provider_id"].get(n, "") or None if len(info) else None for n in nodes]
    return pd.DataFrame({
        "cluster_id": cluster, "node": nodes,
        "role": [roles.get(n, "worker") for n in nodes],
        "zone": [zones.get(n) for n in nodes],
        "provider_id": provider,
        "vm_uuid": [p.removeprefix("vsphere://") if p and p.startswith("vsphere://") else None for p in provider],
        "cpu_cores": [float(cores[n]) if n in cores.index else None for n in nodes],
        "memory_bytes": pd.array([round(memory[n]) if n in memory.index else None for n in nodes], dtype="Int64"),
    })


def pvc_rows(frames: dict[str, pd.DataFrame], interval: float, cluster: str) -> pd.DataFrame:
    """pvc_hourly rows: capacity of the bound volume (else the kubelet's), request and usage."""
    k = ["namespace", "persistentvolumeclaim", "hour"]
    parts = {}
    for name in ("pvc_request", "pvc_used", "pvc_kubelet_capacity"):
        f = frames[name]
        f = f[(f["namespace"] != "") & (f["persistentvolumeclaim"] != "")]
        parts[name] = f.groupby(k)["value"].max() if len(f) else pd.Series(dtype=float)
    non_empty = {n: s for n, s in parts.items() if len(s)}
    if not non_empty:
        return pd.DataFrame(columns=["hour", "source", "cluster_id", "namespace", "pvc", "persistent_volume",
                                     "storage_class", "capacity_byte_seconds", "request_byte_seconds",
                                     "usage_byte_seconds"])
    wide = pd.concat(non_empty, axis=1).reindex(columns=list(parts)).reset_index()
    info = frames["pvc_info"].drop_duplicates(["namespace", "persistentvolumeclaim"], keep="last")
    wide = wide.merge(info[["namespace", "persistentvolumeclaim", "volumename", "storageclass"]],
                      on=["namespace", "persistentvolumeclaim"], how="left")
    pv = frames["pv_capacity"].rename(columns={"persistentvolume": "volumename", "value": "_pv"})
    wide = wide.merge(pv, on=["volumename", "hour"], how="left")
    capacity = wide["_pv"].combine_first(wide["pvc_kubelet_capacity"]).combine_first(wide["pvc_request"])
    out = pd.DataFrame({
        "hour": wide["hour"], "source": SOURCE, "cluster_id": cluster, "namespace": wide["namespace"],
        "pvc": wide["persistentvolumeclaim"],
        "persistent_volume": wide["volumename"].replace("", None),
        "storage_class": wide["storageclass"].replace("", None),
        "capacity_byte_seconds": capacity * interval,
        "request_byte_seconds": wide["pvc_request"].fillna(0.0) * interval,
        "usage_byte_seconds": wide["pvc_used"] * interval,
    })
    return out[out["capacity_byte_seconds"].notna()].reset_index(drop=True)


def namespace_rows(labels: dict[str, dict[str, str]], known_keys: Iterable[str], cluster: str) -> pd.DataFrame:
    keys = list(known_keys)
    names = sorted(labels)
    return pd.DataFrame({
        "cluster_id": cluster, "namespace": names,
        "labels": [json.dumps(restore_labels(labels[n], keys), sort_keys=True) for n in names],
        "is_platform": False,
    })


def pod_dimension(labels: dict[tuple[str, str], dict[str, str]], pods: pd.DataFrame, owners: pd.DataFrame,
                  known_keys: Iterable[str], cluster: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``pod`` dimension rows of one window: (pods kube_pod_labels answered for, with their labels;
    pods seen only in the usage facts, without a labels column so stored labels are kept).

    ``pods`` are the window's pod_usage_hourly rows: first/last seen are the first and last hours
    with running seconds (NULL for a pod that only has labels; the warehouse merges them as min/max)."""
    keys = list(known_keys)
    ran = pods[pods["pod_seconds"] > 0] if len(pods) else pods
    seen = ran.groupby(["namespace", "pod"])["hour"].agg(["min", "max"]) if len(ran) else \
        pd.DataFrame(columns=["min", "max"], index=pd.MultiIndex.from_arrays([[], []], names=["namespace", "pod"]))
    owner = {(ns, pod): (w, k) for ns, pod, w, k in zip(owners["namespace"], owners["pod"], owners["workload"],
                                                        owners["workload_kind"], strict=True)}

    def rows(names: list[tuple[str, str]]) -> pd.DataFrame:
        return pd.DataFrame({
            "cluster_id": cluster, "namespace": [n for n, _ in names], "pod": [p for _, p in names],
            "workload": [owner.get(k, (None, None))[0] for k in names],
            "workload_kind": [owner.get(k, (None, None))[1] for k in names],
            "first_seen": pd.array([seen["min"].get(k) for k in names], dtype="datetime64[us]"),
            "last_seen": pd.array([seen["max"].get(k) for k in names], dtype="datetime64[us]"),
        })

    labelled = sorted(labels)
    with_labels = rows(labelled)
    with_labels.insert(5, "labels", [json.dumps(restore_labels(labels[k], keys), sort_keys=True) for k in labelled])
    return with_labels, rows(sorted(set(seen.index) - set(labels)))


def workload_rows(pods: pd.DataFrame, cluster: str) -> pd.DataFrame:
    w = pods[pods["workload"].notna()][["namespace", "workload", "workload_kind"]].drop_duplicates()
    return pd.DataFrame({"cluster_id": cluster, "namespace": w["namespace"].to_numpy(),
                         "workload": w["workload"].to_numpy(), "kind": w["workload_kind"].to_numpy()})
