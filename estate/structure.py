"""The estate's structure: built once from the seed, then read as per-cluster numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from estate.entities import Cluster, VCenter
from estate.infrastructure import build_nodes, build_vsphere
from estate.profiles import ProfileSpec
from estate.randomness import PLACEMENT, hash_keys, uniform
from estate.tenancy import (
    build_clusters,
    build_incidents,
    build_namespaces,
    build_services,
    build_workloads,
)

# Nodes are drained for maintenance (upgrades, machine config) once per DRAIN_HOURS per cluster:
# every pod is rescheduled then, so each drain epoch has its own balanced placement.
DRAIN_HOURS = 7 * 24

# Sidecar container sizes: small and steady, so the main container decides throttling and OOMs.
SIDECAR_CPU_REQUEST = 0.05
SIDECAR_CPU_LIMIT = 0.2
SIDECAR_MEMORY_REQUEST = 128.0 * (1 << 20)
SIDECAR_MEMORY_LIMIT = 256.0 * (1 << 20)


@dataclass
class ClusterArrays:
    """Column arrays over a cluster's workloads (w_*) and pod slots (s_*).

    A slot is one replica position of a workload; it keeps its index while rollouts replace the
    pod in it, so the slot is what per-hour randomness is keyed on.
    """

    w_cpu_request: np.ndarray
    w_cpu_limit: np.ndarray
    w_memory_request: np.ndarray
    w_memory_limit: np.ndarray
    w_cpu_ratio: np.ndarray
    w_memory_ratio: np.ndarray
    w_ratio_cap: np.ndarray  # over-requested workloads stay below 40 % of request every hour
    w_amplitude: np.ndarray
    w_utc_offset: np.ndarray
    w_growth: np.ndarray
    w_churn: np.ndarray
    w_phase: np.ndarray
    w_start: np.ndarray
    w_sidecar: np.ndarray
    w_namespace: np.ndarray  # index into cluster.namespaces
    s_workload: np.ndarray
    s_ordinal: np.ndarray
    s_key: np.ndarray
    s_infra: np.ndarray  # platform pods run on infra nodes, tenant pods on workers
    s_cpu_request: np.ndarray
    s_memory_request: np.ndarray
    workers: np.ndarray  # indices into cluster.nodes
    infra: np.ndarray


def _arrays(cluster: Cluster) -> ClusterArrays:
    wl = cluster.workloads
    ns_index = {ns.name: i for i, ns in enumerate(cluster.namespaces)}

    def col(attr: str, dtype: type = np.float64) -> np.ndarray:
        return np.array([getattr(w, attr) for w in wl], dtype=dtype)

    replicas = col("replicas", np.int64)
    s_workload = np.repeat(np.arange(len(wl)), replicas)
    s_ordinal = np.concatenate([np.arange(r) for r in replicas]) if len(wl) else np.zeros(0, np.int64)
    w_key = col("key", np.uint64)
    s_key = hash_keys(w_key[s_workload], s_ordinal)
    is_platform = col("platform", bool)
    s_infra = is_platform[s_workload]
    nodes = cluster.nodes
    workers = np.array([i for i, n in enumerate(nodes) if n.role == "worker"], dtype=np.int64)
    infra = np.array([i for i, n in enumerate(nodes) if n.role == "infra"], dtype=np.int64)

    sizing = np.array([w.sizing for w in wl])
    return ClusterArrays(
        w_cpu_request=col("cpu_request"), w_cpu_limit=col("cpu_limit"),
        w_memory_request=col("memory_request"), w_memory_limit=col("memory_limit"),
        w_cpu_ratio=col("cpu_ratio"), w_memory_ratio=col("memory_ratio"),
        w_ratio_cap=np.where(sizing == "over", 0.38, np.inf),
        w_amplitude=col("amplitude"), w_utc_offset=col("utc_offset", np.int64),
        w_growth=col("monthly_growth"), w_churn=col("churn_hours", np.int64),
        w_phase=col("churn_phase", np.int64), w_start=col("start_hour", np.int64),
        w_sidecar=np.array([w.sidecar is not None for w in wl], dtype=bool),
        w_namespace=np.array([ns_index[w.namespace] for w in wl], dtype=np.int64),
        s_workload=s_workload, s_ordinal=s_ordinal, s_key=s_key, s_infra=s_infra,
        s_cpu_request=col("cpu_request")[s_workload], s_memory_request=col("memory_request")[s_workload],
        workers=workers, infra=infra,
    )


class Structure:
    """Sectors, clusters, nodes, namespaces, workloads, vSphere inventory, services and incidents."""

    def __init__(self, spec: ProfileSpec, seed: int) -> None:
        self.spec = spec
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.clusters: list[Cluster] = build_clusters(spec, rng)
        build_namespaces(spec, self.clusters, rng)
        build_workloads(spec, self.clusters, rng)
        build_nodes(spec, self.clusters, rng)
        self.vcenters: list[VCenter] = build_vsphere(spec, self.clusters, rng)
        build_services(spec, self.clusters, rng)
        build_incidents(spec, self.clusters, rng)
        self._arrays: dict[str, ClusterArrays] = {}
        self._placements: dict[tuple[str, int], np.ndarray] = {}

    @cached_property
    def cluster_by_id(self) -> dict[str, Cluster]:
        return {c.cluster_id: c for c in self.clusters}

    def arrays(self, cluster_id: str) -> ClusterArrays:
        if cluster_id not in self._arrays:
            self._arrays[cluster_id] = _arrays(self.cluster_by_id[cluster_id])
        return self._arrays[cluster_id]

    def drain_epoch(self, cluster_id: str, hour: np.ndarray) -> np.ndarray:
        """Maintenance epoch of each hour index (clusters drain at different hours of the week)."""
        phase = self.cluster_by_id[cluster_id].index * 37 % DRAIN_HOURS
        return (np.asarray(hour) + phase) // DRAIN_HOURS

    def placement(self, cluster_id: str, epoch: int) -> np.ndarray:
        """Node (index into cluster.nodes) of every slot during a drain epoch.

        Largest pods first onto the least-loaded node of their group, as a scheduler spreading by
        requests would; the order is perturbed per epoch so pods move between nodes over time.
        Every slot is placed, started or not, so requests never exceed a node's allocatable.
        """
        key = (cluster_id, int(epoch))
        if key not in self._placements:
            self._placements[key] = self._place(cluster_id, int(epoch))
        return self._placements[key]

    def _place(self, cluster_id: str, epoch: int) -> np.ndarray:
        a = self.arrays(cluster_id)
        nodes = self.cluster_by_id[cluster_id].nodes
        jitter = 1.0 + 0.3 * uniform(self.seed, PLACEMENT, a.s_key, epoch)
        out = np.zeros(len(a.s_key), dtype=np.int64)
        for group, flag in ((a.workers, False), (a.infra, True)):
            cap_cpu = np.array([nodes[i].allocatable_cores for i in group])
            cap_mem = np.array([nodes[i].allocatable_memory for i in group], dtype=np.float64)
            used_cpu = np.zeros(len(group))
            used_mem = np.zeros(len(group))
            members = np.flatnonzero(a.s_infra == flag)
            cpu, mem = a.s_cpu_request, a.s_memory_request
            size = np.maximum(cpu / cap_cpu.mean(), mem / cap_mem.mean()) * jitter
            for s in members[np.argsort(-size[members], kind="stable")]:
                pos = int(np.argmin(np.maximum((used_cpu + cpu[s]) / cap_cpu, (used_mem + mem[s]) / cap_mem)))
                used_cpu[pos] += cpu[s]
                used_mem[pos] += mem[s]
                out[s] = group[pos]
        return out
