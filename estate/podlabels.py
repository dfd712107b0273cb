"""Kubernetes labels of the estate's pods, and each pod's lifetime (the ``pod`` dimension).

Labels are those a kube-state-metrics allowlist of ``app``, ``app.kubernetes.io/*`` and ``ecs/*``
keys exposes (controller-added labels such as ``pod-template-hash`` are not allowlisted):
- tenant pods: ``app`` (the application), ``app.kubernetes.io/name`` (the workload) and
  ``app.kubernetes.io/version``, which changes with every rollout, so pods of one workload differ;
  about one workload in six also carries ``ecs/cost-centre``, overriding its namespace's cost
  centre (a shared namespace billed to two budgets); about one in twelve has no labels at all
  (deployed before the labelling policy);
- platform pods: ``app.kubernetes.io/name`` and ``app.kubernetes.io/part-of``; the ingress routers
  carry only non-allowlisted labels, so they show none.

Every choice is a hash of (seed, workload key): nothing is drawn from the structure's generator, so
the rest of the estate is unchanged, and a pod's labels do not depend on the window asked for.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from estate import catalogue as cat
from estate import randomness as rnd
from estate.entities import Cluster, Namespace, Workload
from estate.frames import columns
from estate.podmodel import pod_hours
from estate.structure import Structure

LABEL_APP = "app"
LABEL_NAME = "app.kubernetes.io/name"
LABEL_VERSION = "app.kubernetes.io/version"
LABEL_PART_OF = "app.kubernetes.io/part-of"
UNLABELLED_NAMESPACES = frozenset({"openshift-ingress"})
_CHUNK_HOURS = 7 * 24


def _template(seed: int, c: Cluster, ns: Namespace, w: Workload) -> dict[str, str]:
    """The workload's pod-template labels, ``app.kubernetes.io/version`` without its rollout number."""
    if w.platform:
        if w.namespace in UNLABELLED_NAMESPACES:
            return {}
        return {LABEL_NAME: w.name, LABEL_PART_OF: w.namespace.removeprefix("openshift-")}
    u = rnd.uniform(seed, rnd.POD_LABELS, w.key, np.arange(5)).tolist()
    if u[0] < 1 / 12:
        return {}
    labels = {LABEL_APP: ns.application or ns.name.split("-")[0], LABEL_NAME: w.name,
              LABEL_VERSION: f"{1 + int(u[1] * 4)}.{int(u[2] * 20)}"}
    sector = ns.intended_sector or c.owner
    if sector and u[3] < 1 / 6:
        labels[cat.LABEL_COST_CENTRE] = f"{cat.SECTORS[sector].cost_centre}-{90 + int(u[4] * 10)}"
    return labels


def _with_generation(template: dict[str, str], generation: int) -> dict[str, str]:
    if LABEL_VERSION not in template:
        return template
    return {**template, LABEL_VERSION: f"{template[LABEL_VERSION]}.{generation}"}


POD_COLUMNS = columns("pod")


def pod_frame(st: Structure, cluster_id: str, h0: int, h1: int) -> pd.DataFrame:
    """One row per pod running in hours [h0, h1) of a cluster: its workload, labels (a JSON object)
    and the starts of the first and last of those hours it ran."""
    c = st.cluster_by_id[cluster_id]
    a = st.arrays(cluster_id)
    namespaces = {ns.name: ns for ns in c.namespaces}
    parts = []
    for lo in range(h0, h1, _CHUNK_HOURS):
        ph = pod_hours(st, cluster_id, lo, min(h1, lo + _CHUNK_HOURS))
        if not len(ph):
            continue
        # Rows are hour-major, so a pod's first row holds its first hour and its last row its last.
        ids, first = np.unique(ph.pod, return_index=True)
        _, last_rev = np.unique(ph.pod[::-1], return_index=True)
        w = ph.workload[first]
        parts.append(pd.DataFrame({
            "namespace": ph.namespace[first], "pod": np.asarray(ph.names, dtype=object)[ids], "w": w,
            "first": ph.hour[first], "last": ph.hour[len(ph) - 1 - last_rev],
            "gen": (ph.hour[first] + a.w_phase[w]) // a.w_churn[w]}))
    if not parts:
        return pd.DataFrame({col: pd.Series(dtype="datetime64[us]" if col.endswith("_seen") else "str")
                             for col in POD_COLUMNS})
    # A StatefulSet pod keeps its name across drains and chunks; two namespaces may hold the same name.
    spans = pd.concat(parts, ignore_index=True).groupby(["namespace", "pod"], sort=False).agg(
        w=("w", "first"), first=("first", "min"), last=("last", "max"), gen=("gen", "first")).reset_index()
    templates = {wi: _template(st.seed, c, namespaces[c.workloads[wi].namespace], c.workloads[wi])
                 for wi in set(spans["w"].tolist())}
    labels = {(wi, g): json.dumps(_with_generation(templates[wi], g), sort_keys=True)
              for wi, g in set(zip(spans["w"].tolist(), spans["gen"].tolist(), strict=True))}
    wl = c.workloads
    start = pd.Timestamp(st.spec.start)
    frame = pd.DataFrame({
        "cluster_id": cluster_id,
        "namespace": [wl[i].namespace for i in spans["w"]],
        "pod": spans["pod"].to_numpy(),
        "workload": [wl[i].name for i in spans["w"]],
        "workload_kind": [wl[i].kind for i in spans["w"]],
        "labels": [labels[k] for k in zip(spans["w"].tolist(), spans["gen"].tolist(), strict=True)],
        "first_seen": start + pd.to_timedelta(spans["first"].to_numpy(), unit="h"),
        "last_seen": start + pd.to_timedelta(spans["last"].to_numpy(), unit="h"),
    }).sort_values(["namespace", "pod"], ignore_index=True)
    for col in POD_COLUMNS:
        frame[col] = frame[col].astype("datetime64[us]" if col.endswith("_seen") else "str")
    return frame[list(POD_COLUMNS)]
