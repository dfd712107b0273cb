"""Cluster-scoped fact frames: pods, containers, nodes, volume claims, log volume and SLIs."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from estate import randomness as rnd
from estate.catalogue import LABEL_SECTOR, SECTORS
from estate.entities import Cluster, Namespace
from estate.frames import SOURCE, constant, frame, strings, timestamps
from estate.naming import stable_uuid
from estate.podmodel import CFS_PERIODS_PER_SECOND, SECONDS, PodHours, sidecar_requests
from estate.shapes import epoch_hour, growth, load
from estate.structure import Structure

GIB = float(1 << 30)


def pod_frame(st: Structure, cluster: Cluster, ph: PodHours) -> pd.DataFrame:
    n = len(ph)
    wl = cluster.workloads
    return frame("pod_usage_hourly", {
        "hour": timestamps(st.spec.start, ph.hour, "h"),
        "source": constant(SOURCE, n),
        "cluster_id": constant(cluster.cluster_id, n),
        "namespace": strings([ns.name for ns in cluster.namespaces], ph.namespace),
        "pod": strings(ph.names, ph.pod),
        "node": strings([nd.name for nd in cluster.nodes], ph.node),
        "workload": strings([w.name for w in wl], ph.workload),
        "workload_kind": strings([w.kind for w in wl], ph.workload),
        "pod_seconds": ph.pod_seconds,
        "cpu_usage_core_seconds": ph.cpu,
        "cpu_request_core_seconds": ph.cpu_request,
        "cpu_limit_core_seconds": ph.cpu_limit,
        "memory_usage_byte_seconds": ph.memory,
        "memory_request_byte_seconds": ph.memory_request,
        "memory_limit_byte_seconds": ph.memory_limit,
        "cpu_throttled_seconds": ph.throttled_seconds,
        "oom_kills": ph.oom,
    })


def container_frame(st: Structure, cluster: Cluster, ph: PodHours) -> pd.DataFrame:
    """One row per container: the main container (named after its workload) and, in some pods, a
    sidecar. The pod row is the sum of these rows."""
    sc = np.flatnonzero(ph.has_sidecar)
    # Interleave so each pod's containers follow each other and rows stay ordered by hour.
    order = np.argsort(np.concatenate([np.arange(len(ph)) * 2, sc * 2 + 1]), kind="stable")
    row = np.concatenate([np.arange(len(ph)), sc])[order]
    is_sc = np.concatenate([np.zeros(len(ph), bool), np.ones(len(sc), bool)])[order]
    secs = ph.pod_seconds[row]
    side = sidecar_requests(ph.has_sidecar, secs)
    x_cpu, x_mem = ph.x_cpu[row], ph.x_memory[row]

    def pick(main: np.ndarray, sidecar: np.ndarray) -> np.ndarray:
        return np.where(is_sc, sidecar, main[row])

    wl = cluster.workloads
    names = [w.name for w in wl] + [w.sidecar or "" for w in wl]
    name_code = ph.workload[row] + np.where(is_sc, len(wl), 0)
    zeros = np.zeros(len(row))
    oom = np.where(is_sc, 0, ph.c_oom[row]).astype(np.int64)
    return frame("container_usage_hourly", {
        "hour": timestamps(st.spec.start, ph.hour[row], "h"),
        "source": constant(SOURCE, len(row)),
        "cluster_id": constant(cluster.cluster_id, len(row)),
        "namespace": strings([ns.name for ns in cluster.namespaces], ph.namespace[row]),
        "pod": strings(ph.names, ph.pod[row]),
        "container": strings(names, name_code),
        "node": strings([nd.name for nd in cluster.nodes], ph.node[row]),
        "cpu_usage_core_seconds": pick(ph.c_cpu, x_cpu),
        "cpu_request_core_seconds": pick(ph.c_cpu_request, side["cpu_request"]),
        "cpu_limit_core_seconds": pick(ph.c_cpu_limit, side["cpu_limit"]),
        "memory_usage_byte_seconds": pick(ph.c_memory, x_mem),
        "memory_rss_byte_seconds": np.where(is_sc, x_mem * 0.9, ph.c_memory[row] * 0.85),
        "memory_request_byte_seconds": pick(ph.c_memory_request, side["memory_request"]),
        "memory_limit_byte_seconds": pick(ph.c_memory_limit, side["memory_limit"]),
        "memory_max_bytes": np.where(is_sc, x_mem / secs * 1.05, ph.c_memory_peak[row]),
        "cpu_max_cores": np.where(is_sc, x_cpu / secs * 1.5, ph.c_cpu_peak[row]),
        "cpu_throttled_seconds": pick(ph.c_throttled_seconds, zeros),
        "cpu_throttled_periods": pick(ph.c_throttled_periods, zeros),
        "cpu_periods": np.where(is_sc, secs * CFS_PERIODS_PER_SECOND * np.minimum(1.0, 0.25 + x_cpu / secs),
                                ph.c_periods[row]),
        "oom_kills": oom,
        "restarts": oom.copy(),
    })


def node_usage(cluster: Cluster, ph: PodHours, h0: int, h1: int) -> tuple[np.ndarray, np.ndarray]:
    """Summed pod CPU (core-seconds) and memory (byte-seconds) per (hour, node), shape (H, nodes)."""
    n = len(cluster.nodes)
    cell = (ph.hour - h0) * n + ph.node
    size = (h1 - h0) * n
    cpu = np.bincount(cell, weights=ph.cpu, minlength=size).reshape(h1 - h0, n)
    mem = np.bincount(cell, weights=ph.memory, minlength=size).reshape(h1 - h0, n)
    return cpu, mem


def node_frame(st: Structure, cluster: Cluster, h0: int, h1: int, cpu: np.ndarray,
               mem: np.ndarray) -> pd.DataFrame:
    nodes = cluster.nodes
    n, hours = len(nodes), h1 - h0
    idx = np.tile(np.arange(n), hours)
    hour = np.repeat(np.arange(h0, h1), n)
    cores = np.array([x.cores for x in nodes], dtype=np.float64)[idx]
    alloc = np.array([x.allocatable_cores for x in nodes], dtype=np.float64)[idx]
    memory = np.array([x.memory_bytes for x in nodes], dtype=np.float64)[idx]
    mem_alloc = np.array([x.allocatable_memory for x in nodes], dtype=np.float64)[idx]
    return frame("node_hourly", {
        "hour": timestamps(st.spec.start, hour, "h"),
        "source": constant(SOURCE, len(idx)),
        "cluster_id": constant(cluster.cluster_id, len(idx)),
        "node": strings([x.name for x in nodes], idx),
        "role": strings([x.role for x in nodes], idx),
        "node_seconds": np.full(len(idx), SECONDS),
        "cpu_capacity_core_seconds": cores * SECONDS,
        "cpu_allocatable_core_seconds": alloc * SECONDS,
        "memory_capacity_byte_seconds": memory * SECONDS,
        "memory_allocatable_byte_seconds": mem_alloc * SECONDS,
        "cpu_usage_core_seconds": cpu.reshape(-1),
        "memory_usage_byte_seconds": mem.reshape(-1),
    })


def pvc_frame(st: Structure, cluster: Cluster, h0: int, h1: int) -> pd.DataFrame:
    """StatefulSet replicas each own a claim (volumeClaimTemplate naming: <claim>-<pod>)."""
    a = st.arrays(cluster.cluster_id)
    wl = cluster.workloads
    gib = np.array([w.pvc_gib for w in wl], dtype=np.float64)
    slots = np.flatnonzero(gib[a.s_workload] > 0)
    w = a.s_workload[slots]
    hours = np.arange(h0, h1, dtype=np.int64)
    hi, k = np.nonzero(a.w_start[w][None, :] <= hours[:, None])
    h, s = hours[hi], slots[k]
    ws = a.s_workload[s]
    key = a.s_key[s]
    cap = gib[ws] * GIB
    base = 0.15 + 0.5 * rnd.uniform(st.seed, rnd.PVC_BASE, key)
    frac = np.minimum(0.97, base * growth(h, 1.5 * a.w_growth[ws]) + 0.01 * rnd.uniform(
        st.seed, rnd.PVC_USAGE, key, h))
    claim_names = [f"{'data' if not wl[x].platform else wl[x].name + '-db'}-{wl[x].name}-{o}"
                   for x, o in zip(w, a.s_ordinal[slots], strict=True)]
    pv_names = [f"pvc-{stable_uuid(int(x))}" for x in a.s_key[slots]]
    classes = [wl[x].storage_class or "thin-csi" for x in w]
    return frame("pvc_hourly", {
        "hour": timestamps(st.spec.start, h, "h"),
        "source": constant(SOURCE, len(h)),
        "cluster_id": constant(cluster.cluster_id, len(h)),
        "namespace": strings([ns.name for ns in cluster.namespaces], a.w_namespace[ws]),
        "pvc": strings(claim_names, k),
        "persistent_volume": strings(pv_names, k),
        "storage_class": strings(classes, k),
        "capacity_byte_seconds": cap * SECONDS,
        "request_byte_seconds": cap * SECONDS,
        "usage_byte_seconds": cap * frac * SECONDS,
    })


def _ns_offset(cluster: Cluster, ns: Namespace) -> int:
    sector = ns.labels.get(LABEL_SECTOR) or cluster.owner
    return SECTORS[sector].utc_offset if sector else 0


def incident_overlap(st: Structure, cluster: Cluster, h0: int, h1: int) -> tuple[np.ndarray, np.ndarray]:
    """Per (hour, namespace): share of the hour under incident, and the incident's error rate."""
    names = {ns.name: i for i, ns in enumerate(cluster.namespaces)}
    share = np.zeros((h1 - h0, len(names)))
    rate = np.zeros((h1 - h0, len(names)))
    for inc in cluster.incidents:
        first = int((inc.start - st.spec.start) // timedelta(hours=1))
        last = int((inc.end - st.spec.start - timedelta(microseconds=1)) // timedelta(hours=1))
        for hour in range(max(first, h0), min(last, h1 - 1) + 1):
            lo = max(inc.start, st.spec.start + timedelta(hours=hour))
            hi = min(inc.end, st.spec.start + timedelta(hours=hour + 1))
            j = names[inc.namespace]
            share[hour - h0, j] = min(1.0, share[hour - h0, j] + (hi - lo) / timedelta(hours=1))
            rate[hour - h0, j] = max(rate[hour - h0, j], inc.error_rate)
    return share, rate


def log_frame(st: Structure, cluster: Cluster, h0: int, h1: int) -> pd.DataFrame:
    """Documents per namespace and hour follow the load; incidents add volume and errors."""
    nss = cluster.namespaces
    hours = np.arange(h0, h1, dtype=np.int64)
    offsets = np.array([_ns_offset(cluster, ns) for ns in nss])
    shape = load(epoch_hour(st.spec.start) + hours[:, None], offsets[None, :], 0.6)
    key = np.array([ns.key for ns in nss], dtype=np.uint64)[None, :]
    h = hours[:, None]
    share, rate = incident_overlap(st, cluster, h0, h1)
    docs_mean = np.array([ns.log_docs for ns in nss])[None, :] * (0.4 + 0.6 * shape)
    docs_mean *= 0.8 + 0.4 * rnd.uniform(st.seed, rnd.LOG_DOCS, key, h)
    docs = np.rint(docs_mean * (1.0 + 0.6 * share)).astype(np.int64)
    err_rate = np.array([ns.error_rate for ns in nss])[None, :] + share * rate * 0.8
    errors = np.rint(docs * err_rate * (0.7 + 0.6 * rnd.uniform(st.seed, rnd.LOG_ERRORS, key, h)))
    warn = np.rint(docs * np.array([ns.warning_rate for ns in nss])[None, :]
                   * (0.5 + rnd.uniform(st.seed, rnd.LOG_WARNINGS, key, h)))
    errors = np.minimum(errors.astype(np.int64), docs)
    warn = np.minimum(warn.astype(np.int64), docs - errors)
    size = np.rint(docs * np.array([ns.doc_bytes for ns in nss])[None, :]).astype(np.int64)
    n = docs.size
    idx = np.tile(np.arange(len(nss)), len(hours))
    return frame("log_volume_hourly", {
        "hour": timestamps(st.spec.start, np.repeat(hours, len(nss)), "h"),
        "source": constant(SOURCE, n),
        "cluster_id": constant(cluster.cluster_id, n),
        "namespace": strings([ns.name for ns in nss], idx),
        "documents": docs.reshape(-1),
        "bytes": size.reshape(-1),
        "error_documents": errors.reshape(-1),
        "warning_documents": warn.reshape(-1),
    })


def sli_frame(st: Structure, cluster: Cluster, h0: int, h1: int) -> pd.DataFrame:
    """Good and total events per 5-minute bucket for each service's SLIs (bucket-major rows)."""
    pairs = [(s, sli) for s in cluster.services for sli in s.slis]
    b0, b1 = h0 * 12, h1 * 12
    buckets = np.arange(b0, b1, dtype=np.int64)[:, None]
    if not pairs:
        buckets = buckets[:0]
    svc_rate = np.array([s.rate_per_second for s, _ in pairs])[None, :]
    offsets = np.array([s.utc_offset for s, _ in pairs])[None, :]
    key = np.array([s.key ^ (k + 1) for k, (s, _) in enumerate(pairs)], dtype=np.uint64)[None, :]
    svc_key = np.array([s.key for s, _ in pairs], dtype=np.uint64)[None, :]
    shape = load(epoch_hour(st.spec.start) + buckets // 12, offsets, 0.6)
    total = np.rint(svc_rate * 300.0 * shape * (0.85 + 0.3 * rnd.uniform(st.seed, rnd.SLI_TOTAL, svc_key,
                                                                          buckets))).astype(np.int64)
    incident = np.zeros((len(buckets), len(pairs)))
    for inc in cluster.incidents:
        first = int((inc.start - st.spec.start) // timedelta(minutes=5))
        last = int((inc.end - st.spec.start) // timedelta(minutes=5))
        lo, hi = max(first, b0), min(last, b1)
        for j, (s, _) in enumerate(pairs):
            if hi > lo and s.namespace == inc.namespace and s.name == inc.service:
                incident[lo - b0:hi - b0, j] = np.maximum(incident[lo - b0:hi - b0, j], inc.error_rate)
    is_latency = np.array([sli == "latency" for _, sli in pairs])[None, :]
    base = np.where(is_latency, np.array([s.base_slow for s, _ in pairs])[None, :] * (0.5 + shape),
                    np.array([s.base_error for s, _ in pairs])[None, :])
    bad_rate = np.maximum(base * (0.5 + rnd.uniform(st.seed, rnd.SLI_BAD, key, buckets)),
                          incident * np.where(is_latency, 1.5, 1.0)
                          * (0.8 + 0.4 * rnd.uniform(st.seed, rnd.SLI_SLOW, key, buckets)))
    bad = np.minimum(np.rint(total * np.minimum(bad_rate, 1.0)).astype(np.int64), total)
    idx = np.tile(np.arange(len(pairs)), len(buckets))
    n = idx.size
    return frame("sli_5m", {
        "bucket_start": timestamps(st.spec.start, np.repeat(buckets[:, 0], len(pairs)) * 5, "m"),
        "source": constant(SOURCE, n),
        "cluster_id": constant(cluster.cluster_id, n),
        "namespace": strings([s.namespace for s, _ in pairs], idx),
        "service": strings([s.name for s, _ in pairs], idx),
        "sli": strings([sli for _, sli in pairs], idx),
        "good_events": (total - bad).reshape(-1),
        "total_events": total.reshape(-1),
    })
