"""Where things run: OpenShift nodes as vSphere VMs on hosts in per-zone vSphere clusters, datastores."""

from __future__ import annotations

import math

import numpy as np

from estate.entities import Cluster, Datastore, Host, Node, VCenter, VirtualMachine
from estate.naming import stable_uuid
from estate.profiles import ProfileSpec
from estate.randomness import string_key
from estate.tenancy import GIB, datacenter_name, vcenter_name, vsphere_cluster_name

TIB = 1 << 40


def build_nodes(spec: ProfileSpec, clusters: list[Cluster], rng: np.random.Generator) -> None:
    """3 masters, 3 infra nodes and enough workers that requests fill 60-75 % of allocatable."""
    for c in clusters:
        tenant = [w for w in c.workloads if not w.platform]
        cpu = sum(w.replicas * w.cpu_request for w in tenant)
        mem = sum(w.replicas * w.memory_request for w in tenant)
        probe = Node(c.cluster_id, "", "worker", "", spec.worker_cores, spec.worker_memory_gib * GIB, "")
        fill = rng.uniform(0.60, 0.75)
        workers = max(2, math.ceil(cpu / (probe.allocatable_cores * fill)),
                      math.ceil(mem / (probe.allocatable_memory * fill)))
        roles = [("master", 3, 8, 32), ("infra", 3, spec.worker_cores, spec.worker_memory_gib),
                 ("worker", workers, spec.worker_cores, spec.worker_memory_gib)]
        for role, count, cores, gib in roles:
            for i in range(count):
                name = f"{c.cluster_id}-{role}-{i + 1:02d}"
                zone = c.zones[i % len(c.zones)]
                c.nodes.append(Node(
                    cluster_id=c.cluster_id, name=name, role=role, zone=zone, cores=cores,
                    memory_bytes=gib * GIB, vm_uuid=stable_uuid(string_key(name)),
                    vsphere_cluster=c.vsphere_clusters[c.zones.index(zone)]))


def build_vsphere(spec: ProfileSpec, clusters: list[Cluster], rng: np.random.Generator) -> list[VCenter]:
    """Hosts sized for the VMs they carry (vCPU overcommit 3:1, memory 80 %, plus one spare host)."""
    vcenters = [VCenter(vcenter_name(i), i) for i in range(spec.vcenters)]
    zones = clusters[0].zones
    for vc in vcenters:
        for zone in zones:
            vsc = vsphere_cluster_name(vc.index, zone)
            short = f"vc{vc.index + 1:02d}-{zone}"
            vms: list[VirtualMachine] = []
            nodes = [n for c in clusters if c.vcenter == vc.name for n in c.nodes if n.vsphere_cluster == vsc]
            for n in nodes:
                vms.append(VirtualMachine(vc.name, n.vm_uuid, n.name, "", vsc, n.cores, n.memory_bytes,
                                          n.cluster_id, n.name, string_key(n.vm_uuid)))
            for extra in ("lb-01", "lb-02", "bastion-01"):
                name = f"{short}-{extra}"
                vms.append(VirtualMachine(vc.name, stable_uuid(string_key(name)), name, "", vsc, 2,
                                          4 * GIB, None, None, string_key(name)))
            vcpu = sum(v.num_cpu for v in vms)
            mem = sum(v.memory_bytes for v in vms)
            count = max(3, math.ceil(vcpu / (spec.host_cores * 3)),
                        math.ceil(mem / (spec.host_memory_gib * GIB * 0.8))) + 1
            hosts = [Host(vc.name, f"esx-{short}-{i + 1:02d}.ecs.example.net", datacenter_name(zone), vsc, zone,
                          spec.host_cores, 2600, spec.host_memory_gib * GIB, string_key(f"{short}-{i}"))
                     for i in range(count)]
            load = np.zeros(count)
            for v in sorted(vms, key=lambda v: -v.memory_bytes):
                i = int(np.argmin(load))  # least-loaded placement, as DRS would balance it
                load[i] += v.memory_bytes
                v.host = hosts[i].name
            for n, v in zip(nodes, vms, strict=False):
                n.host = v.host
            vc.hosts.extend(hosts)
            vc.vms.extend(vms)
            vc.datastores.append(Datastore(
                vc.name, f"{short}-vsan", datacenter_name(zone), "vsan", count * 16 * TIB,
                float(rng.uniform(0.35, 0.6)), float(rng.uniform(0.005, 0.03)), string_key(f"{short}-vsan")))
        name = f"vc{vc.index + 1:02d}-nfs-01"
        vc.datastores.append(Datastore(vc.name, name, datacenter_name(zones[0]), "NFS", 50 * TIB,
                                       float(rng.uniform(0.3, 0.5)), float(rng.uniform(0.005, 0.02)),
                                       string_key(name)))
    return vcenters
