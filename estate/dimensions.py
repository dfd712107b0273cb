"""Dimension frames of the estate (sectors, clusters, nodes, namespaces, workloads, vSphere)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from estate.catalogue import SECTORS
from estate.columns import DIMENSIONS
from estate.structure import Structure

_BOOL = {"shared", "is_platform"}


def _frame(table: str, rows: Iterable[tuple], floats: frozenset[str] = frozenset()) -> pd.DataFrame:
    cols = DIMENSIONS[table]
    rows = list(rows)
    data: dict[str, object] = {}
    for i, col in enumerate(cols):
        values = [r[i] for r in rows]
        if col in _BOOL:
            data[col] = pd.array(values, dtype=bool)
        elif col in floats:
            data[col] = pd.array(values, dtype="float64")
        elif all(v is None or isinstance(v, str) for v in values):
            data[col] = pd.array(values, dtype="str")  # None becomes a missing value
        else:
            data[col] = pd.array(values, dtype="int64")
    return pd.DataFrame(data, columns=list(cols))


def dimension_frames(st: Structure) -> dict[str, pd.DataFrame]:
    """One frame per dimension table, columns exactly the table's."""
    clusters = st.clusters
    return {
        "sector": _frame("sector", (
            (s, SECTORS[s].name, SECTORS[s].cost_centre) for s in st.spec.sectors)),
        "cluster": _frame("cluster", (
            (c.cluster_id, c.name, c.owner, c.shared, ",".join(c.zones), c.vcenter,
             ",".join(c.vsphere_clusters), ",".join(c.datacenters)) for c in clusters)),
        "node": _frame("node", (
            (c.cluster_id, n.name, n.role, n.zone, f"vsphere://{n.vm_uuid}", n.vm_uuid, n.name, n.host,
             float(n.cores), n.memory_bytes) for c in clusters for n in c.nodes), frozenset({"cpu_cores"})),
        "namespace": _frame("namespace", (
            # The resolved columns stay empty: the loading job maps namespaces through the labels.
            (c.cluster_id, ns.name, json.dumps(ns.labels, sort_keys=True), None, None, None, ns.is_platform,
             None) for c in clusters for ns in c.namespaces)),
        "workload": _frame("workload", (
            (c.cluster_id, w.namespace, w.name, w.kind) for c in clusters for w in c.workloads)),
        "vsphere_host": _frame("vsphere_host", (
            (h.vcenter, h.name, h.datacenter, h.vsphere_cluster, h.zone, h.cores, h.mhz_per_core,
             h.memory_bytes) for vc in st.vcenters for h in vc.hosts)),
        "vsphere_vm": _frame("vsphere_vm", (
            (v.vcenter, v.uuid, v.name, v.host, v.vsphere_cluster, v.num_cpu, v.memory_bytes, v.cluster_id,
             v.node) for vc in st.vcenters for v in vc.vms)),
        "datastore": _frame("datastore", (
            (d.vcenter, d.name, d.datacenter, d.type, d.capacity_bytes) for vc in st.vcenters
            for d in vc.datastores)),
    }
