"""vCenter-scoped fact frames: VMs (OpenShift nodes plus a few others), hosts and datastores.

A node VM's CPU and memory follow the pods on that node (plus the operating system and, on
masters, the control plane), so vSphere figures and OpenShift figures agree the way they do in
a real estate; hosts are the sum of their VMs plus hypervisor overhead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate import randomness as rnd
from estate.entities import VCenter
from estate.frames import SOURCE, constant, frame, strings, timestamps
from estate.podmodel import SECONDS
from estate.shapes import epoch_hour, growth, load
from estate.structure import Structure

GIB = float(1 << 30)
OS_CORES = {"master": 1.5, "infra": 0.4, "worker": 0.3}
OS_MEMORY = {"master": 8 * GIB, "infra": 3 * GIB, "worker": 2.5 * GIB}


def vm_usage(st: Structure, vc: VCenter, h0: int, h1: int,
             node_usage: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Used cores and memory bytes per (hour, VM) in the vCenter, shape (H, VMs)."""
    hours = np.arange(h0, h1, dtype=np.int64)
    cores = np.zeros((len(hours), len(vc.vms)))
    mem = np.zeros((len(hours), len(vc.vms)))
    position = {(c.cluster_id, n.name): (i, n.role) for c in st.clusters for i, n in enumerate(c.nodes)}
    other_shape = load(epoch_hour(st.spec.start) + hours, 0, 0.5)
    for j, vm in enumerate(vc.vms):
        if vm.cluster_id is None:
            cores[:, j] = vm.num_cpu * (0.05 + 0.15 * other_shape)
            mem[:, j] = vm.memory_bytes * 0.55
            continue
        i, role = position[(vm.cluster_id, vm.node)]
        cpu_cs, mem_bs = node_usage[vm.cluster_id]
        cores[:, j] = cpu_cs[:, i] / SECONDS + OS_CORES[role]
        mem[:, j] = mem_bs[:, i] / SECONDS + OS_MEMORY[role]
    return np.minimum(cores, [v.num_cpu for v in vc.vms]), np.minimum(mem, [v.memory_bytes for v in vc.vms])


def vm_frame(st: Structure, vc: VCenter, h0: int, h1: int, cores: np.ndarray, mem: np.ndarray,
             ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The VM rows, and per-VM arrays the host rows sum."""
    hours = np.arange(h0, h1, dtype=np.int64)[:, None]
    vms = vc.vms
    key = np.array([v.key for v in vms], dtype=np.uint64)[None, :]
    mhz = np.array([next(h.mhz_per_core for h in vc.hosts if h.name == v.host) for v in vms])[None, :]
    num_cpu = np.array([v.num_cpu for v in vms], dtype=np.float64)[None, :]
    vm_mem = np.array([v.memory_bytes for v in vms], dtype=np.float64)[None, :]
    usage = cores * mhz * (0.97 + 0.06 * rnd.uniform(st.seed, rnd.VM_NOISE, key, hours))
    util = cores / num_cpu
    demand = usage * (1.02 + 0.08 * util)
    ready = num_cpu * SECONDS * 1000.0 * (0.001 + 0.02 * util**2) * (
        0.8 + 0.4 * rnd.uniform(st.seed, rnd.VM_READY, key, hours))
    consumed = np.minimum(vm_mem, mem + 0.3 * (vm_mem - mem))  # guests keep page cache resident
    active = np.minimum(consumed, 0.7 * mem + GIB)
    n = usage.size
    idx = np.tile(np.arange(len(vms)), len(hours))
    out = frame("vsphere_vm_hourly", {
        "hour": timestamps(st.spec.start, np.repeat(hours[:, 0], len(vms)), "h"),
        "source": constant(SOURCE, n),
        "vcenter": constant(vc.name, n),
        "vm_uuid": strings([v.uuid for v in vms], idx),
        "host": strings([v.host for v in vms], idx),
        "cpu_usage_mhz": usage.reshape(-1),
        "cpu_demand_mhz": demand.reshape(-1),
        "cpu_ready_ms": ready.reshape(-1),
        "memory_consumed_bytes": consumed.reshape(-1),
        "memory_active_bytes": active.reshape(-1),
        "memory_ballooned_bytes": np.zeros(n),
        "memory_swapped_bytes": np.zeros(n),
        "vsphere_cluster": strings([v.vsphere_cluster for v in vms], idx),  # simulated VMs do not move
    })
    return out, {"usage": usage, "demand": demand, "ready": ready, "consumed": consumed, "active": active}


def host_frame(st: Structure, vc: VCenter, h0: int, h1: int, per_vm: dict[str, np.ndarray]) -> pd.DataFrame:
    hosts = vc.hosts
    where = {h.name: i for i, h in enumerate(hosts)}
    on = np.array([where[v.host] for v in vc.vms], dtype=np.int64)
    hours = h1 - h0

    def per_host(x: np.ndarray) -> np.ndarray:
        out = np.zeros((hours, len(hosts)))
        for j in range(len(vc.vms)):
            out[:, on[j]] += x[:, j]
        return out

    capacity = np.array([h.cores * h.mhz_per_core for h in hosts], dtype=np.float64)[None, :]
    memory = np.array([h.memory_bytes for h in hosts], dtype=np.float64)[None, :]
    usage = np.minimum(per_host(per_vm["usage"]) + 0.02 * capacity, capacity)
    # The hypervisor's own share counts in the host's demand as in its usage; demand may exceed capacity.
    demand = per_host(per_vm["demand"]) + 0.02 * capacity
    consumed = np.minimum(per_host(per_vm["consumed"]) + 8 * GIB, memory)
    active = np.minimum(per_host(per_vm["active"]) + 2 * GIB, consumed)
    idx = np.tile(np.arange(len(hosts)), hours)
    n = idx.size
    return frame("vsphere_host_hourly", {
        "hour": timestamps(st.spec.start, np.repeat(np.arange(h0, h1), len(hosts)), "h"),
        "source": constant(SOURCE, n),
        "vcenter": constant(vc.name, n),
        "host": strings([h.name for h in hosts], idx),
        "vsphere_cluster": strings([h.vsphere_cluster for h in hosts], idx),
        "cpu_capacity_mhz": np.broadcast_to(capacity, usage.shape).reshape(-1),
        "cpu_usage_mhz": usage.reshape(-1),
        "cpu_usage_percent": (usage / capacity * 100.0).reshape(-1),
        "cpu_demand_mhz": demand.reshape(-1),
        "cpu_ready_ms": per_host(per_vm["ready"]).reshape(-1),
        "memory_capacity_bytes": np.broadcast_to(memory, usage.shape).reshape(-1),
        "memory_consumed_bytes": consumed.reshape(-1),
        "memory_active_bytes": active.reshape(-1),
        # The estate's hosts are never overcommitted on memory, as its VMs' zero balloon and swap say.
        "memory_ballooned_bytes": np.zeros(n),
        "memory_swapped_bytes": np.zeros(n),
    })


def datastore_frame(st: Structure, vc: VCenter, h0: int, h1: int) -> pd.DataFrame:
    ds = vc.datastores
    hours = np.arange(h0, h1, dtype=np.int64)[:, None]
    cap = np.array([d.capacity_bytes for d in ds], dtype=np.float64)[None, :]
    used0 = np.array([d.used_fraction for d in ds])[None, :]
    monthly = np.array([d.monthly_growth for d in ds])[None, :]
    key = np.array([d.key for d in ds], dtype=np.uint64)[None, :]
    used = used0 * growth(hours, monthly) + 0.004 * (rnd.uniform(st.seed, rnd.DATASTORE, key, hours) - 0.5)
    free = cap * (1.0 - np.clip(used, 0.0, 0.98))
    idx = np.tile(np.arange(len(ds)), len(hours))
    n = idx.size
    return frame("datastore_hourly", {
        "hour": timestamps(st.spec.start, np.repeat(hours[:, 0], len(ds)), "h"),
        "source": constant(SOURCE, n),
        "vcenter": constant(vc.name, n),
        "datastore": strings([d.name for d in ds], idx),
        "capacity_bytes": np.broadcast_to(cap, free.shape).reshape(-1),
        "free_bytes": free.reshape(-1),
    })
