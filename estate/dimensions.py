"""Dimension frames of the estate (sectors, clusters, nodes, namespaces, workloads, vSphere)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pandas as pd

from estate.catalogue import SECTORS
from estate.frames import columns
from estate.structure import Structure

_BOOL = {"shared", "is_platform"}


def _frame(table: str, rows: Iterable[Mapping[str, object]], floats: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Rows (column name -> value) as a frame of ``table``, its columns in the schema's order."""
    cols = columns(table)
    rows = list(rows)
    mismatched = next((r for r in rows if r.keys() != set(cols)), None)
    if mismatched is not None:
        raise AssertionError(f"{table} column mismatch: {sorted(mismatched.keys() ^ set(cols))}")
    data: dict[str, object] = {}
    for col in cols:
        values = [r[col] for r in rows]
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
            {"sector_id": s, "name": SECTORS[s].name, "default_cost_centre": SECTORS[s].cost_centre}
            for s in st.spec.sectors)),
        "cluster": _frame("cluster", (
            {"cluster_id": c.cluster_id, "name": c.name, "owner_sector_id": c.owner, "shared": c.shared,
             "zones": ",".join(c.zones), "vcenter": c.vcenter, "vsphere_cluster": ",".join(c.vsphere_clusters),
             "datacenter": ",".join(c.datacenters)} for c in clusters)),
        "node": _frame("node", (
            {"cluster_id": c.cluster_id, "node": n.name, "role": n.role, "zone": n.zone,
             "provider_id": f"vsphere://{n.vm_uuid}", "vm_uuid": n.vm_uuid, "vm_name": n.name,
             "vsphere_host": n.host, "cpu_cores": float(n.cores), "memory_bytes": n.memory_bytes}
            for c in clusters for n in c.nodes), frozenset({"cpu_cores"})),
        "namespace": _frame("namespace", (
            # The resolved columns stay empty: the loading job maps namespaces through the labels.
            {"cluster_id": c.cluster_id, "namespace": ns.name, "labels": json.dumps(ns.labels, sort_keys=True),
             "sector_id": None, "application": None, "cost_centre": None, "is_platform": ns.is_platform,
             "mapping_rule": None} for c in clusters for ns in c.namespaces)),
        "workload": _frame("workload", (
            {"cluster_id": c.cluster_id, "namespace": w.namespace, "workload": w.name, "kind": w.kind}
            for c in clusters for w in c.workloads)),
        "vsphere_host": _frame("vsphere_host", (
            {"vcenter": h.vcenter, "host": h.name, "datacenter": h.datacenter, "vsphere_cluster": h.vsphere_cluster,
             "zone": h.zone, "cpu_cores": h.cores, "cpu_mhz_per_core": h.mhz_per_core,
             "memory_bytes": h.memory_bytes} for vc in st.vcenters for h in vc.hosts)),
        "vsphere_vm": _frame("vsphere_vm", (
            {"vcenter": v.vcenter, "vm_uuid": v.uuid, "vm_name": v.name, "host": v.host,
             "vsphere_cluster": v.vsphere_cluster, "num_cpu": v.num_cpu, "memory_bytes": v.memory_bytes,
             "cluster_id": v.cluster_id, "node": v.node} for vc in st.vcenters for v in vc.vms)),
        "datastore": _frame("datastore", (
            {"vcenter": d.vcenter, "datastore": d.name, "datacenter": d.datacenter, "type": d.type,
             "capacity_bytes": d.capacity_bytes} for vc in st.vcenters for d in vc.datastores)),
    }
