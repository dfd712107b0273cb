"""The vectorised pod-hour model of one cluster over a range of hours (numpy only, no frames).

Rows are ordered by hour, then by replica slot. Every random value is a hash of (seed, slot,
hour), so any hour's rows are the same whichever window they are computed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estate import randomness as rnd
from estate.naming import pod_names
from estate.randomness import hash_keys
from estate.shapes import epoch_hour, growth, load
from estate.structure import (
    SIDECAR_CPU_LIMIT,
    SIDECAR_CPU_REQUEST,
    SIDECAR_MEMORY_LIMIT,
    SIDECAR_MEMORY_REQUEST,
    Structure,
)

SECONDS = 3600.0
CFS_PERIODS_PER_SECOND = 10.0  # the kernel's default 100 ms CFS period


@dataclass
class PodHours:
    """Per pod-hour arrays; c_* are the main container, x_* the sidecar (zero where none), the
    unprefixed quantities are pod totals (main + sidecar, added exactly once)."""

    hour: np.ndarray  # hour index from the estate start
    slot: np.ndarray
    workload: np.ndarray  # index into cluster.workloads
    namespace: np.ndarray  # index into cluster.namespaces
    node: np.ndarray  # index into cluster.nodes
    pod: np.ndarray  # index into names
    names: list[str]
    has_sidecar: np.ndarray
    pod_seconds: np.ndarray
    c_cpu: np.ndarray  # core-seconds
    c_cpu_request: np.ndarray
    c_cpu_limit: np.ndarray
    c_memory: np.ndarray  # byte-seconds (working set)
    c_memory_request: np.ndarray
    c_memory_limit: np.ndarray
    c_memory_peak: np.ndarray  # bytes
    c_cpu_peak: np.ndarray  # cores
    c_throttled_seconds: np.ndarray
    c_throttled_periods: np.ndarray
    c_periods: np.ndarray
    c_oom: np.ndarray
    x_cpu: np.ndarray
    x_memory: np.ndarray
    cpu: np.ndarray
    cpu_request: np.ndarray
    cpu_limit: np.ndarray
    memory: np.ndarray
    memory_request: np.ndarray
    memory_limit: np.ndarray
    throttled_seconds: np.ndarray
    oom: np.ndarray

    def __len__(self) -> int:
        return len(self.hour)


def pod_hours(structure: Structure, cluster_id: str, h0: int, h1: int) -> PodHours:
    """The model for hours [h0, h1) (indices from the estate start; h1 >= h0)."""
    a = structure.arrays(cluster_id)
    cluster = structure.cluster_by_id[cluster_id]
    seed = structure.seed
    hours = np.arange(h0, h1, dtype=np.int64)
    active = a.w_start[a.s_workload][None, :] <= hours[:, None]
    hi, slot = np.nonzero(active)  # C order: hour-major, then slot
    h = hours[hi]
    w = a.s_workload[slot]
    skey = a.s_key[slot]

    # Shapes are computed per (hour, workload) and gathered: far fewer than pod-hours.
    abs_hours = epoch_hour(structure.spec.start) + hours
    day_shape = load(abs_hours[:, None], a.w_utc_offset[None, :], a.w_amplitude[None, :])[hi, w]
    grown = growth(hours[:, None], a.w_growth[None, :])[hi, w]
    lw = day_shape * grown

    # Rollouts replace a workload's pods every churn_hours, and node drains reschedule every pod
    # once per drain epoch; either gives the slot a new pod (a new name, StatefulSets excepted),
    # always at an hour boundary. Nodes come from the epoch's balanced placement.
    gen = (h + a.w_phase[w]) // a.w_churn[w]
    epoch = structure.drain_epoch(cluster_id, h)
    node = np.zeros(len(h), dtype=np.int64)
    for e in np.unique(epoch):
        rows = epoch == e
        node[rows] = structure.placement(cluster_id, int(e))[slot[rows]]

    pod_seconds = np.full(len(h), SECONDS)
    cpu_req = a.w_cpu_request[w]
    cpu_lim = a.w_cpu_limit[w]
    mem_req = a.w_memory_request[w]
    mem_lim = a.w_memory_limit[w]
    cap = a.w_ratio_cap[w]

    u_cpu = rnd.uniform(seed, rnd.CPU_NOISE, skey, h)
    cores = cpu_req * a.w_cpu_ratio[w] * lw * (0.8 + 0.4 * u_cpu)
    cores = np.fmin(np.minimum(cores, cpu_req * cap), cpu_lim)  # fmin: NaN limit means none
    u_mem = rnd.uniform(seed, rnd.MEM_NOISE, skey, h)
    mem = mem_req * a.w_memory_ratio[w] * (0.85 + 0.15 * day_shape) * grown * (0.95 + 0.1 * u_mem)
    mem = np.fmin(np.minimum(mem, mem_req * cap), 0.9 * mem_lim)
    u_spike = rnd.uniform(seed, rnd.MEM_SPIKE, skey, h)
    peak = mem * (1.0 + 0.15 * u_spike**4)  # an occasional burst above the hourly mean
    oom_hit = peak >= mem_lim  # False where there is no limit (NaN compares False)
    u_oom = rnd.uniform(seed, rnd.OOM_COUNT, skey, h)
    oom = np.where(oom_hit, 1 + (u_oom > 0.8), 0).astype(np.int64)
    peak = np.where(oom_hit, mem_lim, peak)

    has_sc = a.w_sidecar[w]
    u_sc = rnd.uniform(seed, rnd.SIDECAR, skey, h)
    # Sidecars use under 40 % of their requests, so they never decide a workload's sizing class.
    x_cpu = np.where(has_sc, (0.005 + 0.012 * day_shape * (0.8 + 0.4 * u_sc)) * pod_seconds, 0.0)
    x_mem = np.where(has_sc, (30.0 + 15.0 * u_sc) * (1 << 20) * pod_seconds, 0.0)
    # CPU contention: a node cannot give out more than its cores; when its pods want more, CFS
    # shares it out, so everyone on the node gets proportionally less that hour.
    n_nodes = len(cluster.nodes)
    cell = (h - h0) * n_nodes + node
    wanted = np.bincount(cell, weights=cores + x_cpu / SECONDS, minlength=max(h1 - h0, 0) * n_nodes)
    node_cores = np.array([nd.cores for nd in cluster.nodes], dtype=np.float64)
    room = 0.97 * np.tile(node_cores, max(h1 - h0, 0))
    share = np.minimum(1.0, room / np.maximum(wanted, 1e-12))[cell]
    cores = cores * share
    x_cpu = x_cpu * share
    near = np.nan_to_num(cores / cpu_lim, nan=0.0)
    throttle_share = np.clip((near - 0.7) / 0.3, 0.0, 1.0) ** 2 * 0.5
    periods = pod_seconds * CFS_PERIODS_PER_SECOND * np.minimum(1.0, 0.25 + cores)
    throttled_periods = periods * throttle_share
    throttled_seconds = throttled_periods * 0.1 * np.minimum(near, 1.0) * 0.5
    u_peak = rnd.uniform(seed, rnd.CPU_PEAK, skey, h)
    cpu_peak = np.fmin(cores * (1.15 + 0.5 * u_peak), cpu_lim)

    x_cpu_req = np.where(has_sc, SIDECAR_CPU_REQUEST * pod_seconds, 0.0)
    x_cpu_lim = np.where(has_sc, SIDECAR_CPU_LIMIT * pod_seconds, 0.0)
    x_mem_req = np.where(has_sc, SIDECAR_MEMORY_REQUEST * pod_seconds, 0.0)
    x_mem_lim = np.where(has_sc, SIDECAR_MEMORY_LIMIT * pod_seconds, 0.0)

    c_cpu = cores * pod_seconds
    c_cpu_req = cpu_req * pod_seconds
    c_cpu_lim = cpu_lim * pod_seconds
    c_mem = mem * pod_seconds
    c_mem_req = mem_req * pod_seconds
    c_mem_lim = mem_lim * pod_seconds

    # One name per (slot, generation, epoch) occurring in the window.
    lifetime = (slot.astype(np.int64) << 40) | (gen << 20) | epoch
    uniq, pod = np.unique(lifetime, return_inverse=True)
    u_slot = (uniq >> 40).astype(np.int64)
    u_gen = (uniq >> 20) & ((1 << 20) - 1)
    u_epoch = uniq & ((1 << 20) - 1)
    wl = cluster.workloads
    u_wl = a.s_workload[u_slot]
    w_names = np.array([x.name for x in wl], dtype=object)
    w_kinds = np.array([x.kind for x in wl], dtype=object)
    w_keys = np.array([x.key for x in wl], dtype=np.uint64)
    names = pod_names(w_kinds[u_wl], w_names[u_wl], a.s_ordinal[u_slot], w_keys[u_wl],
                      hash_keys(a.s_key[u_slot], u_epoch), u_gen) if len(uniq) else []

    return PodHours(
        hour=h, slot=slot, workload=w, namespace=a.w_namespace[w], node=node, pod=pod, names=names,
        has_sidecar=has_sc, pod_seconds=pod_seconds,
        c_cpu=c_cpu, c_cpu_request=c_cpu_req, c_cpu_limit=c_cpu_lim, c_memory=c_mem,
        c_memory_request=c_mem_req, c_memory_limit=c_mem_lim, c_memory_peak=peak, c_cpu_peak=cpu_peak,
        c_throttled_seconds=throttled_seconds, c_throttled_periods=throttled_periods, c_periods=periods,
        c_oom=oom, x_cpu=x_cpu, x_memory=x_mem,
        cpu=c_cpu + x_cpu, cpu_request=c_cpu_req + x_cpu_req, cpu_limit=c_cpu_lim + x_cpu_lim,
        memory=c_mem + x_mem, memory_request=c_mem_req + x_mem_req, memory_limit=c_mem_lim + x_mem_lim,
        throttled_seconds=throttled_seconds + 0.0, oom=oom,
    )


def sidecar_requests(has_sidecar: np.ndarray, pod_seconds: np.ndarray) -> dict[str, np.ndarray]:
    """The sidecar container's requests and limits per row (for the container rows)."""
    return {
        "cpu_request": SIDECAR_CPU_REQUEST * pod_seconds,
        "cpu_limit": SIDECAR_CPU_LIMIT * pod_seconds,
        "memory_request": SIDECAR_MEMORY_REQUEST * pod_seconds,
        "memory_limit": SIDECAR_MEMORY_LIMIT * pod_seconds,
    }
