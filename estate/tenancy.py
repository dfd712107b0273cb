"""Who runs what: clusters and their sectors, namespaces with labels, workloads, services, incidents."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from estate import catalogue as cat
from estate.entities import Cluster, Incident, Namespace, Service, Workload
from estate.profiles import ProfileSpec
from estate.randomness import string_key

GIB = 1 << 30
MIB = 1 << 20
UNLABELLED_SHARE = 0.05
NO_CHURN = 10**9  # StatefulSet pods keep their names


def largest_remainder(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (each at least ``minimum``)."""
    n = len(weights)
    spare = total - minimum * n
    if spare < 0:
        raise ValueError("total too small for the minimum")
    raw = spare * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: spare - out.sum()]] += 1
    return out + minimum


def vcenter_name(index: int) -> str:
    return f"vcsa{index + 1:02d}.ecs.example.net"


def zone_names(count: int) -> tuple[str, ...]:
    return tuple(f"zone-{chr(ord('a') + i)}" for i in range(count))


def vsphere_cluster_name(vcenter_index: int, zone: str) -> str:
    return f"vc{vcenter_index + 1:02d}-{zone}-cl01"


def datacenter_name(zone: str) -> str:
    return f"dc-{zone}"


def build_clusters(spec: ProfileSpec, rng: np.random.Generator) -> list[Cluster]:
    """Dedicated clusters go round-robin to sectors; shared clusters host two or three sectors."""
    zones = zone_names(spec.zones)
    dedicated = spec.clusters - spec.shared_clusters
    clusters: list[Cluster] = []
    per_sector: dict[str, int] = {}
    for i in range(spec.clusters):
        vc = i % spec.vcenters
        common = dict(
            index=i, vcenter=vcenter_name(vc), zones=zones,
            vsphere_clusters=tuple(vsphere_cluster_name(vc, z) for z in zones),
            datacenters=tuple(datacenter_name(z) for z in zones),
        )
        if i < dedicated:
            owner = spec.sectors[i % len(spec.sectors)]
            per_sector[owner] = per_sector.get(owner, 0) + 1
            cid = f"ocp-{owner.lower()}-{per_sector[owner]:02d}"
            clusters.append(Cluster(cluster_id=cid, name=f"{owner} production {per_sector[owner]:02d}",
                                    owner=owner, shared=False, sectors=(owner,), **common))
        else:
            j = i - dedicated + 1
            k = min(len(spec.sectors), 3)
            chosen = tuple(sorted(rng.choice(spec.sectors, size=k, replace=False).tolist()))
            clusters.append(Cluster(cluster_id=f"ocp-shared-{j:02d}", name=f"Shared production {j:02d}",
                                    owner=None, shared=True, sectors=chosen, **common))
    return clusters


def _log_profile(rng: np.random.Generator, platform: bool) -> dict[str, float]:
    return dict(
        log_docs=float(rng.uniform(80, 300) if platform else rng.uniform(15, 180)),
        doc_bytes=float(rng.uniform(350, 1400)),
        error_rate=float(rng.uniform(0.002, 0.02)),
        warning_rate=float(rng.uniform(0.02, 0.08)),
    )


def build_namespaces(spec: ProfileSpec, clusters: list[Cluster], rng: np.random.Generator) -> None:
    """Platform namespaces on every cluster, then tenant namespaces spread over the clusters."""
    platform = cat.MINIMAL_PLATFORM_NAMESPACES if spec.minimal_platform else cat.PLATFORM_NAMESPACES
    for c in clusters:
        for name in platform:
            labels = {"kubernetes.io/metadata.name": name, "openshift.io/cluster-monitoring": "true"}
            c.namespaces.append(Namespace(
                cluster_id=c.cluster_id, name=name, is_platform=True, labels=labels,
                intended_sector=c.owner, application=None, cost_centre=None,
                key=string_key(f"{c.cluster_id}/{name}"), **_log_profile(rng, True)))

    counts = largest_remainder(spec.tenant_namespaces, rng.lognormal(0.0, 0.25, len(clusters)), minimum=1)
    for c, n in zip(clusters, counts, strict=True):
        unlabelled = rng.random(n) < UNLABELLED_SHARE
        if n >= 2 and not unlabelled.any():
            unlabelled[rng.integers(n)] = True  # every cluster shows the unlabelled case at least once
        taken = {ns.name for ns in c.namespaces}
        for k in range(n):
            sector = c.owner if c.owner else str(rng.choice(c.sectors))
            app_index = int(rng.integers(len(cat.APPLICATIONS)))
            app = cat.APPLICATIONS[app_index]
            env = str(rng.choice(cat.ENVIRONMENTS, p=[0.45, 0.2, 0.25, 0.1]))
            base = f"{app}-{env}" if unlabelled[k] else f"{sector.lower()}-{app}-{env}"
            name, suffix = base, 2
            while name in taken:
                name, suffix = f"{base}-{suffix}", suffix + 1
            taken.add(name)
            labels = {"kubernetes.io/metadata.name": name}
            if unlabelled[k]:
                intended, application, cost_centre = (None if c.shared else c.owner), None, None
            else:
                intended, application = sector, app
                cost_centre = f"{cat.SECTORS[sector].cost_centre}-{app_index:02d}"
                labels.update({cat.LABEL_SECTOR: sector, cat.LABEL_APPLICATION: app,
                               cat.LABEL_COST_CENTRE: cost_centre})
            c.namespaces.append(Namespace(
                cluster_id=c.cluster_id, name=name, is_platform=False, labels=labels,
                intended_sector=intended, application=application, cost_centre=cost_centre,
                key=string_key(f"{c.cluster_id}/{name}"), **_log_profile(rng, False)))


def _sector_of(c: Cluster, ns: Namespace) -> cat.SectorInfo | None:
    sector = ns.labels.get(cat.LABEL_SECTOR) or c.owner
    return cat.SECTORS[sector] if sector else None


def _tenant_workload(spec: ProfileSpec, c: Cluster, ns: Namespace, name: str, kind: str, replicas: int,
                     rng: np.random.Generator) -> Workload:
    sizing = str(rng.choice(cat.SIZING_CLASSES, p=[0.45, 0.40, 0.15]))
    cpu_request = float(rng.choice([0.05, 0.1, 0.25, 0.5, 1.0, 2.0], p=[0.1, 0.25, 0.3, 0.2, 0.1, 0.05]))
    mem_mib = int(rng.choice([256, 512, 1024, 2048, 4096, 8192], p=[0.15, 0.3, 0.25, 0.18, 0.09, 0.03]))
    if kind == "StatefulSet":
        mem_mib *= 2
    if sizing == "under":
        cpu_limit = cpu_request * float(rng.choice([2.0, 3.0, 4.0]))
        mem_limit = mem_mib * MIB * float(rng.choice([1.25, 1.5, 2.0]))
        # Steady, busy workloads: above their request for most hours, not only at the peak.
        cpu_ratio, mem_ratio = rng.uniform(1.6, 2.5), rng.uniform(1.1, 1.5)
    else:
        cpu_limit = math.nan if rng.random() < 0.15 else cpu_request * float(rng.choice([1.0, 2.0, 3.0, 4.0]))
        mem_limit = math.nan if rng.random() < 0.05 else mem_mib * MIB * float(rng.choice([1.0, 1.5, 2.0]))
        if sizing == "over":
            cpu_ratio, mem_ratio = rng.uniform(0.2, 0.4), rng.uniform(0.2, 0.4)
        else:
            cpu_ratio, mem_ratio = rng.uniform(0.9, 1.25), rng.uniform(0.65, 0.9)
    sector = _sector_of(c, ns)
    growth = sector.monthly_growth if sector else 0.02
    stateful = kind == "StatefulSet"
    churn = NO_CHURN if stateful else int(rng.uniform(2, 7) * 24)
    new_share = min(max(growth * 1.5, 0.0), 0.2)
    start = int(rng.integers(1, spec.hours)) if spec.hours > 1 and rng.random() < new_share else 0
    return Workload(
        cluster_id=c.cluster_id, namespace=ns.name, name=name, kind=kind, platform=False,
        replicas=replicas, sizing=sizing, cpu_request=cpu_request, cpu_limit=cpu_limit,
        memory_request=float(mem_mib * MIB), memory_limit=mem_limit, cpu_ratio=float(cpu_ratio),
        memory_ratio=float(mem_ratio),
        amplitude=float(rng.uniform(0.05, 0.3) if stateful or sizing == "under" else rng.uniform(0.3, 0.75)),
        utc_offset=sector.utc_offset if sector else 0, monthly_growth=growth, churn_hours=churn,
        churn_phase=0 if stateful else int(rng.integers(churn)), start_hour=start,
        sidecar=str(rng.choice(cat.SIDECARS)) if rng.random() < 0.2 else None,
        key=string_key(f"{c.cluster_id}/{ns.name}/{name}"),
        pvc_gib=int(rng.choice([10, 20, 50, 100, 250])) if stateful else 0,
        storage_class=str(rng.choice(cat.STORAGE_CLASSES, p=[0.5, 0.35, 0.15])) if stateful else None,
    )


def build_workloads(spec: ProfileSpec, clusters: list[Cluster], rng: np.random.Generator) -> None:
    """Platform workloads from the catalogue; tenant pods spread over namespaces, then workloads."""
    for c in clusters:
        owner = cat.SECTORS[c.owner] if c.owner else None
        present = {ns.name for ns in c.namespaces}
        for p in cat.PLATFORM_WORKLOADS:
            if p.namespace not in present or (spec.minimal_platform and not p.core):
                continue
            churn = NO_CHURN if p.kind == "StatefulSet" else 14 * 24
            c.workloads.append(Workload(
                cluster_id=c.cluster_id, namespace=p.namespace, name=p.name, kind=p.kind, platform=True,
                replicas=1 if spec.minimal_platform else p.replicas, sizing="right",
                cpu_request=p.cpu_request, cpu_limit=math.nan,
                memory_request=float(p.memory_request_mib * MIB),
                memory_limit=float(p.memory_request_mib * MIB * 2), cpu_ratio=float(rng.uniform(0.5, 0.9)),
                memory_ratio=float(rng.uniform(0.6, 0.85)), amplitude=0.15,
                utc_offset=owner.utc_offset if owner else 0, monthly_growth=0.01, churn_hours=churn,
                churn_phase=0 if churn == NO_CHURN else int(rng.integers(churn)), start_hour=0,
                sidecar=None, key=string_key(f"{c.cluster_id}/{p.namespace}/{p.name}"),
                pvc_gib=p.pvc_gib, storage_class="thin-csi" if p.pvc_gib else None))

    tenant = [(c, ns) for c in clusters for ns in c.namespaces if not ns.is_platform]
    pods = largest_remainder(spec.tenant_pods, rng.lognormal(0.0, 0.8, len(tenant)), minimum=1)
    for (c, ns), n in zip(tenant, pods, strict=True):
        app = ns.application or ns.name.split("-")[0]
        used: set[str] = set()
        remaining = int(n)
        while remaining > 0:
            kind = str(rng.choice(["Deployment", "StatefulSet", "DeploymentConfig"], p=[0.6, 0.12, 0.28]))
            choices = [1, 2, 3] if kind == "StatefulSet" else [1, 2, 2, 3, 3, 4, 6]
            replicas = min(int(rng.choice(choices)), remaining)
            stems = cat.STATEFUL_COMPONENTS if kind == "StatefulSet" else cat.DEPLOYMENT_COMPONENTS
            name = f"{app}-{rng.choice(stems)}"
            base, k = name, 2
            while name in used:
                name, k = f"{base}-{k}", k + 1
            used.add(name)
            c.workloads.append(_tenant_workload(spec, c, ns, name, kind, replicas, rng))
            remaining -= replicas


def build_services(spec: ProfileSpec, clusters: list[Cluster], rng: np.random.Generator) -> None:
    """A few request-serving tenant workloads per cluster carry SLIs (service = workload name)."""
    labelled = {(ns.cluster_id, ns.name) for c in clusters for ns in c.namespaces
                if cat.LABEL_SECTOR in ns.labels}
    for c in clusters:
        candidates = [w for w in c.workloads if not w.platform and w.kind != "StatefulSet"
                      and w.start_hour == 0 and (w.cluster_id, w.namespace) in labelled]
        if not candidates:
            continue
        picks = rng.choice(len(candidates), size=min(spec.services_per_cluster, len(candidates)),
                           replace=False)
        for i, idx in enumerate(sorted(picks.tolist())):
            w = candidates[idx]
            c.services.append(Service(
                cluster_id=c.cluster_id, namespace=w.namespace, name=w.name,
                slis=("availability", "latency") if i % 2 == 0 else ("availability",),
                rate_per_second=float(rng.uniform(2, 40)), base_error=float(rng.uniform(0.0002, 0.002)),
                base_slow=float(rng.uniform(0.005, 0.02)), utc_offset=w.utc_offset, key=w.key))


def build_incidents(spec: ProfileSpec, clusters: list[Cluster], rng: np.random.Generator) -> None:
    """A few incidents per cluster, on 5-minute boundaries, each hitting one service."""
    buckets = spec.hours * 12
    for c in clusters:
        if not c.services:
            continue
        count = max(1, spec.days // 20 + int(rng.integers(0, 2)))
        for _ in range(count):
            svc = c.services[int(rng.integers(len(c.services)))]
            length = int(rng.integers(4, 37))  # 20 minutes to 3 hours
            first = int(rng.integers(0, max(1, buckets - length)))
            start = spec.start + timedelta(minutes=5 * first)
            end = min(start + timedelta(minutes=5 * length), spec.end)
            c.incidents.append(Incident(c.cluster_id, svc.namespace, svc.name, start, end,
                                        float(rng.uniform(0.05, 0.5))))
        c.incidents.sort(key=lambda i: i.start)
