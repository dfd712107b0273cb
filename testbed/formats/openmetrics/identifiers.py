"""Deterministic ids, names and addresses: the same estate always yields the same uids, IPs and cgroups."""

from __future__ import annotations

import uuid
import zlib


def crc(*parts: object) -> int:
    return zlib.crc32("\x1f".join(map(str, parts)).encode())


def hex_digest(*parts: object, length: int = 64) -> str:
    out, i = "", 0
    while len(out) < length:
        out += f"{crc(i, *parts):08x}"
        i += 1
    return out[:length]


def address(prefix: str, *parts: object) -> str:
    """An IPv4 address in the /16 ``prefix``, never ending in 0."""
    h = crc(*parts)
    return f"{prefix}.{(h >> 8) & 0xFF}.{max(1, h & 0xFF)}"


def pod_uid(cluster: str, namespace: str, pod: str, start: int) -> str:
    """A pod instance's uid; ``start`` tells apart instances of one pod name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pod://{cluster}/{namespace}/{pod}/{start}"))


def pod_slice(uid: str) -> str:
    """The pod's cgroup, as cAdvisor's ``id`` label shows it."""
    return ("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            f"{uid.replace('-', '_')}.slice")


def container_cgroup(uid: str, container: str) -> str:
    return f"{pod_slice(uid)}/crio-{hex_digest(uid, container)}.scope"


def crio_name(container: str, pod: str, namespace: str, uid: str) -> str:
    """cAdvisor's ``name`` label of a CRI-O container (``POD`` for the pause container)."""
    return f"k8s_{container}_{pod}_{namespace}_{uid}_0"


def owner(kind: str, workload: str, pod: str) -> tuple[str, str]:
    """(owner_kind, owner_name) of a pod as kube_pod_owner shows it."""
    if not kind or not workload:
        return "<none>", "<none>"
    parent = pod.rsplit("-", 1)[0] if pod.startswith(workload + "-") and pod.count("-") > \
        workload.count("-") + 1 else f"{workload}-{hex_digest(workload, length=10)}"
    if kind == "Deployment":
        return "ReplicaSet", parent
    if kind == "DeploymentConfig":
        return "ReplicationController", parent
    if kind == "CronJob":
        return "Job", parent
    return kind, workload
