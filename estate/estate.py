"""The simulated ECS estate as a collector: structure on construction, facts streamed per window."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property

import numpy as np
import pandas as pd

from collectors.base import Batch
from common.errors import ConfigError
from common.windows import Window
from estate import facts, vsphere
from estate.dimensions import dimension_frames
from estate.entities import Cluster
from estate.frames import SOURCE
from estate.podlabels import pod_frame
from estate.podmodel import PodHours, pod_hours
from estate.profiles import EstateConfig, ProfileSpec, resolve
from estate.structure import Structure
from estate.truth import EstateTruth

_NEEDS_PODS = frozenset({"pod_usage_hourly", "container_usage_hourly", "node_hourly", "vsphere_vm_hourly",
                         "vsphere_host_hourly"})
# Tables built from the pods' usage summed per (hour, node): the nodes', and the node VMs'.
_VM_TABLES = frozenset({"vsphere_vm_hourly", "vsphere_host_hourly"})
_NEEDS_NODE_USAGE = _VM_TABLES | {"node_hourly"}
# The fact tables the estate fills: per cluster (in this order), then per vCenter.
_CLUSTER_TABLES = ("pod_usage_hourly", "container_usage_hourly", "node_hourly", "pvc_hourly", "log_volume_hourly",
                   "sli_5m")
_VCENTER_TABLES = ("vsphere_host_hourly", "vsphere_vm_hourly", "datastore_hourly")
_TABLES = frozenset(_CLUSTER_TABLES + _VCENTER_TABLES)


class SyntheticEstate:
    """A seeded, deterministic simulated ECS estate.

    Construction builds the structure only (sectors, clusters, nodes, namespaces, workloads,
    vSphere inventory, services, incidents); facts are computed on demand, one cluster (or vCenter)
    and window at a time, and any hour's rows are the same whichever window asks for them.
    """

    source = SOURCE

    def __init__(self, config: EstateConfig | None = None) -> None:
        self.config = config or EstateConfig()
        self.spec: ProfileSpec = resolve(self.config)
        self.structure = Structure(self.spec, self.config.seed)

    @property
    def window(self) -> Window:
        """The whole simulated period."""
        return Window(self.spec.start, self.spec.end)

    @cached_property
    def truth(self) -> EstateTruth:
        return EstateTruth(self.structure)

    @cached_property
    def _pods(self) -> pd.DataFrame:
        st = self.structure
        return pd.concat([pod_frame(st, c.cluster_id, 0, self.spec.hours) for c in st.clusters], ignore_index=True)

    def dimensions(self) -> dict[str, pd.DataFrame]:
        """Every dimension frame; ``pod`` holds each pod of the whole period (computed once, then cached)."""
        frames = dimension_frames(self.structure)
        return {**frames, "pod": self._pods.copy()}

    def collect(self, window: Window, tables: Iterable[str] | None = None) -> Iterator[Batch]:
        """One batch per (fact table, scope) for ``window``; scopes are clusters, or vCenters for
        the vSphere tables. Every scope gets a batch, empty where it has no rows (outside the
        simulated period, or container rows when container facts are off)."""
        wanted = set(_TABLES) if tables is None else set(tables)
        unknown = wanted - _TABLES
        if unknown:
            raise ConfigError("unknown fact tables", tables=",".join(sorted(unknown)))
        if not window.whole_hours():
            raise ConfigError("the synthetic estate collects whole hours only", window=window)
        h0, h1 = self.spec.hour_range(window)
        st = self.structure
        usage: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        needs_pods = bool(wanted & _NEEDS_PODS)
        for cluster in st.clusters:
            ph = pod_hours(st, cluster.cluster_id, h0, h1) if needs_pods else None
            nodes = facts.node_usage(cluster, ph, h0, h1) if ph is not None and wanted & _NEEDS_NODE_USAGE else None
            for table in _CLUSTER_TABLES:
                if table in wanted:
                    yield Batch(table, SOURCE, cluster.cluster_id, window,
                                self._cluster_frame(table, cluster, ph, nodes, h0, h1))
            if nodes is not None and wanted & _VM_TABLES:
                usage[cluster.cluster_id] = nodes
            del ph
        for vc in st.vcenters:
            if wanted & _VM_TABLES:
                cores, mem = vsphere.vm_usage(st, vc, h0, h1, usage)
                vm_rows, per_vm = vsphere.vm_frame(st, vc, h0, h1, cores, mem)
                if "vsphere_host_hourly" in wanted:
                    yield Batch("vsphere_host_hourly", SOURCE, vc.name, window,
                                vsphere.host_frame(st, vc, h0, h1, per_vm))
                if "vsphere_vm_hourly" in wanted:
                    yield Batch("vsphere_vm_hourly", SOURCE, vc.name, window, vm_rows)
            if "datastore_hourly" in wanted:
                yield Batch("datastore_hourly", SOURCE, vc.name, window, vsphere.datastore_frame(st, vc, h0, h1))

    def _cluster_frame(self, table: str, cluster: Cluster, ph: PodHours | None,
                       nodes: tuple[np.ndarray, np.ndarray] | None, h0: int, h1: int) -> pd.DataFrame:
        st = self.structure
        if table == "pod_usage_hourly":
            return facts.pod_frame(st, cluster, ph)
        if table == "container_usage_hourly":
            if not self.spec.container_facts:
                ph = pod_hours(st, cluster.cluster_id, h0, h0)
            return facts.container_frame(st, cluster, ph)
        if table == "node_hourly":
            assert nodes is not None  # node_hourly needs the pods' usage per node
            return facts.node_frame(st, cluster, h0, h1, *nodes)
        if table == "pvc_hourly":
            return facts.pvc_frame(st, cluster, h0, h1)
        if table == "log_volume_hourly":
            return facts.log_frame(st, cluster, h0, h1)
        return facts.sli_frame(st, cluster, h0, h1)
