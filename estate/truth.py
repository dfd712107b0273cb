"""Ground truth of the estate, computed from the generator's own arrays (never through SQL).

Tests compare what the pipeline loads and computes against these numbers.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from common.windows import Window, next_month, parse_month
from estate.entities import Incident
from estate.podlabels import pod_frame
from estate.podmodel import pod_hours
from estate.structure import Structure

GIB = float(1 << 30)


class EstateTruth:
    """What the estate intends: namespace mapping, effective usage, row counts, incidents, sizing."""

    def __init__(self, structure: Structure) -> None:
        self._st = structure

    def expected_namespace_mapping(self) -> pd.DataFrame:
        """The sector each namespace should map to.

        Labelled namespaces: their ``ecs/sector`` label. Unlabelled and platform namespaces: the
        owning sector on a dedicated cluster, nothing (None) on a shared cluster.
        """
        nss = [ns for c in self._st.clusters for ns in c.namespaces]

        def objects(values: list[str | None]) -> pd.Series:
            return pd.Series(values, dtype=object)  # keeps None as None (a str column would hold NaN)

        return pd.DataFrame({
            "cluster_id": [ns.cluster_id for ns in nss],
            "namespace": [ns.name for ns in nss],
            "sector_id": objects([ns.intended_sector for ns in nss]),
            "application": objects([ns.application for ns in nss]),
            "cost_centre": objects([ns.cost_centre for ns in nss]),
            "is_platform": [ns.is_platform for ns in nss],
        })

    def pods(self, window: Window, clusters: list[str] | None = None) -> pd.DataFrame:
        """The pods running in ``window`` (of ``clusters``, default all): workload, labels as a JSON
        object, and the first and last hours (starts) inside the window they ran."""
        h0, h1 = self._st.spec.hour_range(window)
        ids = clusters if clusters is not None else [c.cluster_id for c in self._st.clusters]
        return pd.concat([pod_frame(self._st, cid, h0, h1) for cid in ids], ignore_index=True)

    def effective_usage(self, month: str, chunk_days: int = 7) -> pd.DataFrame:
        """Per (cluster, namespace) with pods in ``month`` (YYYY-MM): effective core-hours and
        GiB-hours, effective = max(request, usage) per pod and hour."""
        start = parse_month(month)
        h0, h1 = self._st.spec.hour_range(Window(start, next_month(start)))
        frames = []
        for c in self._st.clusters:
            cpu = np.zeros(len(c.namespaces))
            mem = np.zeros(len(c.namespaces))
            pods = np.zeros(len(c.namespaces), dtype=np.int64)
            for lo in range(h0, h1, chunk_days * 24):
                ph = pod_hours(self._st, c.cluster_id, lo, min(h1, lo + chunk_days * 24))
                n = len(c.namespaces)
                cpu += np.bincount(ph.namespace, np.maximum(ph.cpu_request, ph.cpu), minlength=n)
                mem += np.bincount(ph.namespace, np.maximum(ph.memory_request, ph.memory), minlength=n)
                pods += np.bincount(ph.namespace, minlength=n)
            keep = pods > 0
            frames.append(pd.DataFrame({
                "cluster_id": c.cluster_id,
                "namespace": [ns.name for ns, k in zip(c.namespaces, keep, strict=True) if k],
                "cpu_effective_core_hours": cpu[keep] / 3600.0,
                "memory_effective_gib_hours": mem[keep] / 3600.0 / GIB,
            }))
        return pd.concat(frames, ignore_index=True)

    def row_counts(self, window: Window, container_facts: bool | None = None) -> dict[str, int]:
        """Rows each fact table gets for ``window`` (all scopes together), without generating them."""
        st = self._st
        h0, h1 = self._st.spec.hour_range(window)
        hours = h1 - h0
        with_containers = st.spec.container_facts if container_facts is None else container_facts
        counts = dict.fromkeys(("pod_usage_hourly", "container_usage_hourly", "node_hourly", "pvc_hourly",
                                "log_volume_hourly", "vsphere_host_hourly", "vsphere_vm_hourly",
                                "datastore_hourly", "sli_5m"), 0)
        for c in st.clusters:
            a = st.arrays(c.cluster_id)
            start = a.w_start[a.s_workload]
            live = np.clip(h1 - np.maximum(start, h0), 0, None)
            counts["pod_usage_hourly"] += int(live.sum())
            if with_containers:
                counts["container_usage_hourly"] += int((live * (1 + a.w_sidecar[a.s_workload])).sum())
            has_pvc = np.array([w.pvc_gib > 0 for w in c.workloads], dtype=bool)
            counts["pvc_hourly"] += int(live[has_pvc[a.s_workload]].sum()) if len(has_pvc) else 0
            counts["node_hourly"] += len(c.nodes) * hours
            counts["log_volume_hourly"] += len(c.namespaces) * hours
            counts["sli_5m"] += sum(len(s.slis) for s in c.services) * hours * 12
        for vc in st.vcenters:
            counts["vsphere_host_hourly"] += len(vc.hosts) * hours
            counts["vsphere_vm_hourly"] += len(vc.vms) * hours
            counts["datastore_hourly"] += len(vc.datastores) * hours
        return counts

    @property
    def incidents(self) -> list[Incident]:
        """Every incident, ordered by cluster and start."""
        return [i for c in self._st.clusters for i in c.incidents]

    def workload_sizing(self) -> pd.DataFrame:
        """Each workload's sizing class: over (uses 10-30 % of its request), right, or under
        (uses more than its request, up to its limit); platform workloads are 'right'."""
        rows = [(w.cluster_id, w.namespace, w.name, w.kind, w.sizing, w.platform, w.replicas, w.start_hour)
                for c in self._st.clusters for w in c.workloads]
        return pd.DataFrame(rows, columns=["cluster_id", "namespace", "workload", "kind", "sizing", "platform",
                                           "replicas", "start_hour"])

    def services(self) -> pd.DataFrame:
        """The services carrying SLIs: (cluster_id, namespace, service, sli)."""
        rows = [(s.cluster_id, s.namespace, s.name, sli) for c in self._st.clusters for s in c.services
                for sli in s.slis]
        return pd.DataFrame(rows, columns=["cluster_id", "namespace", "service", "sli"])

    def incident_window(self, incident: Incident) -> Window:
        """The incident as a window rounded out to whole hours (for hourly facts)."""
        start = incident.start.replace(minute=0)
        end = incident.end if incident.end == incident.end.replace(minute=0) else \
            incident.end.replace(minute=0) + timedelta(hours=1)
        return Window(start, end)
