"""The vSphere collector: inventory and hourly performance facts of every configured vCenter.

Each vCenter is one scope. Its batches are gathered completely before any is yielded, so a vCenter
that fails part-way (gone, refusing the login, timing out) yields a ``ScopeFailure`` and nothing
partial; the other vCenters go on.

The inventory (vsphere_host, vsphere_vm, datastore rows) is sent with every window, so it follows
the estate; a VM's dimension row carries its current host. A VM's ``host`` in its hourly rows is the
host it spent the largest part of that hour on, and its ``vsphere_cluster`` that host's cluster: the
vCenter's completed-migration events (vMotion, DRS, cold migration) from the window's start to the
collection time are replayed (``events``, ``placement``; a VM without moves stays on its current
host), so a window collected hours or days later (a backfill, a re-collection after an outage) still puts each
hour on the right host. A vCenter whose events cannot be read fails like any other call (transient
or permanent as ``as_insight_error`` says; a missing privilege is named): nothing of it is loaded
for the window, rather than hours silently placed on the current hosts. Moves older than the
vCenter's event retention (``event.maxAge``, 30 days by default) are purged there: in a window
older than that, a VM is placed on the source of its oldest kept move, or its current host.
Powered-off VMs and templates are in the inventory but have no samples, hence no hourly rows.

A host's contention figures (CPU demand and ready, ballooned and swapped memory) come from its own
counters; an hour the vCenter has no values for is filled with the sum of the host's VMs' values
(``fill_from_vms``), and stays NULL when those are not all known.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from collectors.base import Batch, ScopeFailure
from collectors.vsphere import perf
from collectors.vsphere.config import VCenterConfig, VSphereConfig
from collectors.vsphere.connection import Connect, as_insight_error, connect
from collectors.vsphere.events import MigrationHistory
from collectors.vsphere.inventory import Inventory, read_inventory
from collectors.vsphere.placement import Migration, Placement, place
from common.errors import InsightError
from common.windows import HOUR, Window, floor_hour

log = logging.getLogger(__name__)

SOURCE = "vsphere"
MIB = 1 << 20

HOST_FACTS = ("hour", "source", "vcenter", "host", "vsphere_cluster", "cpu_capacity_mhz", "cpu_usage_mhz",
              "cpu_usage_percent", "memory_capacity_bytes", "memory_consumed_bytes", "memory_active_bytes",
              "cpu_demand_mhz", "cpu_ready_ms", "memory_ballooned_bytes", "memory_swapped_bytes")
# Host columns that, when the vCenter returns no values for the host's own counter in an hour, are
# the sum of the host's VMs' values in that hour (host cpu.demand, cpu.ready, mem.vmmemctl and
# mem.swapused are VM totals on ESXi, less the hypervisor's own small share).
HOST_FROM_VMS = ("cpu_demand_mhz", "cpu_ready_ms", "memory_ballooned_bytes", "memory_swapped_bytes")
VM_FACTS = ("hour", "source", "vcenter", "vm_uuid", "host", "vsphere_cluster", "cpu_usage_mhz", "cpu_demand_mhz",
            "cpu_ready_ms", "memory_consumed_bytes", "memory_active_bytes", "memory_ballooned_bytes",
            "memory_swapped_bytes")
DATASTORE_FACTS = ("hour", "source", "vcenter", "datastore", "capacity_bytes", "free_bytes")


@dataclass
class VCenterStats:
    """What collecting one vCenter's window cost: SOAP round trips, entities, samples, seconds."""

    round_trips: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    query_calls: int = 0
    query_metrics: list[int] = field(default_factory=list)  # entity-metrics sent in each QueryPerf call
    entities: int = 0
    samples: int = 0
    seconds: float = 0.0
    inventory_seconds: float = 0.0
    event_seconds: float = 0.0  # reading the migration events
    query_seconds: float = 0.0  # QueryPerf calls, sent and parsed
    migrations: int = 0  # completed VM moves between the window's start and the collection time
    interval: int = 0


class VSphereCollector:
    """Collects every configured vCenter; ``connect`` is injected so tests can use a simulator."""

    source = SOURCE

    def __init__(self, config: VSphereConfig, connect: Connect = connect,
                 clock: Callable[[], datetime] = perf.now_utc, per_entity_queries: bool = False) -> None:
        self.config = config
        self.connect = connect
        self.clock = clock
        # One QueryPerf call per entity: the naive way, kept as the benchmark's baseline.
        self.per_entity_queries = per_entity_queries
        self.stats: dict[str, VCenterStats] = {}
        # Counter catalogue and historical intervals per vCenter, read with the first inventory.
        self._catalogues: dict[str, tuple[dict[str, Any], list[tuple[int, int]]]] = {}
        # Migration events read per vCenter, so successive windows do not read them again.
        self._histories: dict[str, MigrationHistory] = {}

    def collect(self, window: Window) -> Iterator[Batch | ScopeFailure]:
        for vc in self.config.vcenters:
            try:
                batches = self.collect_vcenter(vc, window)
            except Exception as exc:  # one vCenter's failure, whatever it is, is recorded; the others go on
                error = as_insight_error(exc, vc.name)
                log.warning("vCenter %s failed for [%s, %s): %s", vc.name, window.start, window.end, error,
                            exc_info=not isinstance(exc, InsightError))
                yield ScopeFailure(self.source, vc.name, window, error)
                continue
            yield from batches

    def collect_vcenter(self, vc: VCenterConfig, window: Window) -> list[Batch]:
        """All batches of one vCenter for ``window``; raises InsightError when the vCenter fails."""
        started = time.perf_counter()
        now = self.clock()  # one reading: the interval choice and the current datastore hour agree
        stats = VCenterStats()
        self.stats[vc.name] = stats
        session = self.connect(vc, self.config.timeout_seconds)
        try:
            phase = time.perf_counter()
            known = self._catalogues.get(vc.name)
            inventory = read_inventory(session.content, self.config.page_size, catalogue=known is None)
            if known is None:
                self._catalogues[vc.name] = (inventory.counters, inventory.intervals)
            else:
                inventory.counters, inventory.intervals = known
            interval = perf.choose_interval(self.config.interval_seconds, window, now, inventory.intervals)
            entities = perf_entities(inventory)
            requests = perf.plan_requests(entities, inventory.counters, self.config.max_query_metrics)
            calls = [[r] for r in requests] if self.per_entity_queries else perf.pack(
                requests, self.config.max_query_metrics)
            stats.inventory_seconds = time.perf_counter() - phase
            phase = time.perf_counter()
            # Moves up to after the inventory was read: one finished between the first clock reading
            # and the inventory shows in the VM's current host, and its event must be replayed too.
            migrations = self._migrations(session.content, vc.name, window, max(now, self.clock()))
            stats.event_seconds = time.perf_counter() - phase
            phase = time.perf_counter()
            samples = perf.query(session.content.perfManager, calls, window, interval, inventory.counters)
            stats.query_seconds = time.perf_counter() - phase
        except Exception as exc:
            raise as_insight_error(exc, vc.name) from None
        finally:
            stats.round_trips = session.calls.total
            stats.by_method = dict(session.calls.by_method)
            stats.query_metrics = list(session.calls.query_metrics)
            session.close()
        stats.query_calls, stats.entities, stats.samples = len(calls), len(entities), len(samples)
        stats.interval, stats.migrations = interval, len(migrations)
        hourly = perf.hourly(samples, window)
        rows = entity_rows(inventory, vc.name)
        dims = dimensions(rows)
        facts = fact_frames(rows, hourly, vc.name, window, now, placement_of(rows, migrations, window))
        stats.seconds = time.perf_counter() - started
        return ([Batch(name, SOURCE, vc.name, window, frame) for name, frame in dims.items()]
                + [Batch(name, SOURCE, vc.name, window, frame) for name, frame in facts.items()])

    def _migrations(self, content: Any, vcenter: str, window: Window, now: datetime) -> list[Migration]:
        """Moves from the window's start to ``now`` (after the inventory read): later hours' moves place
        the earlier hours too."""
        if now < window.start:  # a window not begun yet: nothing to replay
            return []
        history = self._histories.setdefault(vcenter, MigrationHistory(vcenter, self.config.event_page_size))
        return history.between(content, window.start, now)


def perf_entities(inventory: Inventory) -> list[tuple[Any, str]]:
    """Hosts, powered-on VMs (templates and powered-off VMs have no samples) and datastores."""
    hosts = [(h["_ref"], "HostSystem") for h in inventory.of("HostSystem")]
    vms = [(v["_ref"], "VirtualMachine") for v in inventory.of("VirtualMachine")
           if not v.get("config.template") and v.get("runtime.powerState") == "poweredOn"
           and v.get("config.uuid")]
    datastores = [(d["_ref"], "Datastore") for d in inventory.of("Datastore")]
    return hosts + vms + datastores


def _cluster_of(inventory: Inventory, host: dict[str, Any]) -> str | None:
    parent = inventory.get(host.get("parent"))
    if parent is None or type(parent["_ref"]).__name__.split(".")[-1] != "ClusterComputeResource":
        return None
    return parent["name"]


def _host_rows(inventory: Inventory, vcenter: str) -> pd.DataFrame:
    rows = [{
        "vcenter": vcenter, "host": h["name"], "datacenter": inventory.datacenter_of(h["_ref"]),
        "vsphere_cluster": _cluster_of(inventory, h), "zone": None,
        "cpu_cores": h.get("summary.hardware.numCpuCores"), "cpu_mhz_per_core": h.get("summary.hardware.cpuMhz"),
        "memory_bytes": h.get("summary.hardware.memorySize"), "_moid": h["_ref"]._moId,
    } for h in inventory.of("HostSystem")]
    return pd.DataFrame(rows, columns=["vcenter", "host", "datacenter", "vsphere_cluster", "zone", "cpu_cores",
                                       "cpu_mhz_per_core", "memory_bytes", "_moid"])


def _vm_rows(inventory: Inventory, vcenter: str) -> pd.DataFrame:
    hosts = {h["_ref"]._moId: h for h in inventory.of("HostSystem")}
    rows = []
    for v in inventory.of("VirtualMachine"):
        if v.get("config.template") or not v.get("config.uuid"):
            continue
        host_moid = getattr(v.get("runtime.host"), "_moId", None)
        host = hosts.get(host_moid)
        memory_mb = v.get("config.hardware.memoryMB")
        rows.append({
            "vcenter": vcenter, "vm_uuid": str(v["config.uuid"]).lower(), "vm_name": v["name"],
            "host": host["name"] if host else None,
            "vsphere_cluster": _cluster_of(inventory, host) if host else None,
            "num_cpu": v.get("config.hardware.numCPU"),
            "memory_bytes": int(memory_mb) * MIB if memory_mb is not None else None,
            "cluster_id": None, "node": None, "_moid": v["_ref"]._moId,
            "_host_moid": host_moid if host else None,
        })
    return pd.DataFrame(rows, columns=["vcenter", "vm_uuid", "vm_name", "host", "vsphere_cluster", "num_cpu",
                                       "memory_bytes", "cluster_id", "node", "_moid", "_host_moid"])


def _datastore_rows(inventory: Inventory, vcenter: str) -> pd.DataFrame:
    rows = [{
        "vcenter": vcenter, "datastore": d["name"], "datacenter": inventory.datacenter_of(d["_ref"]),
        "type": d.get("summary.type"), "capacity_bytes": d.get("summary.capacity"),
        "free_bytes": d.get("summary.freeSpace"), "_moid": d["_ref"]._moId,
    } for d in inventory.of("Datastore")]
    return pd.DataFrame(rows, columns=["vcenter", "datastore", "datacenter", "type", "capacity_bytes",
                                       "free_bytes", "_moid"])


def entity_rows(inventory: Inventory, vcenter: str) -> dict[str, pd.DataFrame]:
    """vsphere_host, vsphere_vm and datastore rows with each entity's managed-object id (``_moid``,
    and a VM's current host's in ``_host_moid``), read from the inventory once for both the
    dimension rows and the joins of the hourly facts."""
    return {"vsphere_host": _host_rows(inventory, vcenter), "vsphere_vm": _vm_rows(inventory, vcenter),
            "datastore": _datastore_rows(inventory, vcenter)}


def dimensions(rows: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """vsphere_host, vsphere_vm and datastore rows of ``entity_rows`` in the dimension tables' columns
    (VMs' cluster_id/node are resolved at load)."""
    return {
        "vsphere_host": rows["vsphere_host"].drop(columns="_moid"),
        "vsphere_vm": rows["vsphere_vm"].drop(columns=["_moid", "_host_moid"]),
        "datastore": rows["datastore"].drop(columns=["_moid", "free_bytes"]),
    }


def _join(hourly: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    return entities.merge(hourly, left_on="_moid", right_on="entity", how="inner")


def _ensure(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    for column in columns:
        if column not in frame.columns:
            frame[column] = np.nan  # a counter this vCenter does not keep (statistics level too low)
    return frame


def placement_of(rows: dict[str, pd.DataFrame], migrations: list[Migration], window: Window) -> Placement:
    """Each VM's host (managed-object id) per hour of ``window`` from ``entity_rows`` and the moves."""
    vms, hosts = rows["vsphere_vm"], rows["vsphere_host"]
    current = dict(zip(vms["_moid"], vms["_host_moid"].where(vms["_host_moid"].notna(), None), strict=True))
    hours = [piece.start for piece in Window(floor_hour(window.start), window.end).split(HOUR)]
    return place(current, migrations, hours, known_hosts=set(hosts["_moid"]))


def place_vms(vms: pd.DataFrame, hosts: pd.DataFrame, placement: Placement) -> pd.DataFrame:
    """VM-hour rows with ``host`` and ``vsphere_cluster`` of the host the VM was on in that hour
    (rows of VMs that did not move keep their current host's)."""
    if not placement.moved or vms.empty:
        return vms
    moved = pd.DataFrame(list(placement.rows()), columns=["_moid", "hour", "_placed"])
    moved["hour"] = pd.to_datetime(moved["hour"]).astype(vms["hour"].dtype)
    by_moid = hosts.set_index("_moid")
    moved["_placed_host"] = moved["_placed"].map(by_moid["host"])
    moved["_placed_cluster"] = moved["_placed"].map(by_moid["vsphere_cluster"])
    out = vms.merge(moved.drop(columns="_placed"), on=["_moid", "hour"], how="left")
    is_moved = out["_moid"].isin(placement.moved.keys())
    out["host"] = out["host"].astype(object).where(~is_moved, out["_placed_host"])
    out["vsphere_cluster"] = out["vsphere_cluster"].astype(object).where(~is_moved, out["_placed_cluster"])
    return out.drop(columns=["_placed_host", "_placed_cluster"])


def fact_frames(rows: dict[str, pd.DataFrame], hourly: pd.DataFrame, vcenter: str, window: Window,
                now: datetime, placement: Placement) -> dict[str, pd.DataFrame]:
    """The three hourly fact frames of one vCenter (entities from ``entity_rows``), in warehouse
    columns and units; VM rows on the hosts ``placement`` gives."""
    hourly = _ensure(hourly.copy(), ("entity", "hour", "cpu_usage_mhz", "cpu_usage_percent", "cpu_demand_mhz",
                                     "cpu_ready_ms", "memory_consumed_bytes", "memory_active_bytes",
                                     "memory_ballooned_bytes", "memory_swapped_bytes", "capacity_bytes",
                                     "used_bytes"))
    hosts = _join(hourly, rows["vsphere_host"])
    hosts["source"] = SOURCE
    hosts["cpu_capacity_mhz"] = hosts["cpu_cores"].astype("float64") * hosts["cpu_mhz_per_core"].astype("float64")
    hosts["memory_capacity_bytes"] = hosts["memory_bytes"].astype("float64")
    vms = _join(hourly.drop(columns=["cpu_usage_percent"]), rows["vsphere_vm"])
    vms["source"] = SOURCE
    vms = place_vms(vms, rows["vsphere_host"], placement)
    hosts = fill_from_vms(hosts, vms)
    stores = _join(hourly[["entity", "hour", "capacity_bytes", "used_bytes"]],
                   rows["datastore"].drop(columns=["capacity_bytes", "free_bytes"]))
    stores["free_bytes"] = stores["capacity_bytes"] - stores["used_bytes"]
    stores = stores.dropna(subset=["capacity_bytes", "free_bytes"])
    stores = pd.concat([stores, _current_datastores(rows["datastore"], vcenter, window, now, stores)],
                       ignore_index=True)
    stores["source"] = SOURCE
    stores = stores.astype({"capacity_bytes": "float64", "free_bytes": "float64"})
    return {
        "vsphere_host_hourly": hosts.loc[:, list(HOST_FACTS)].reset_index(drop=True),
        "vsphere_vm_hourly": vms.loc[:, list(VM_FACTS)].reset_index(drop=True),
        "datastore_hourly": stores.loc[:, list(DATASTORE_FACTS)].reset_index(drop=True),
    }


def fill_from_vms(hosts: pd.DataFrame, vms: pd.DataFrame) -> pd.DataFrame:
    """Hosts' missing ``HOST_FROM_VMS`` values filled with their VMs' sums in the same hour.

    A sum is used only when every VM row of that host and hour has the value: a sum over some of
    the VMs would understate the host. A host-hour without VM rows (no VM running, or none
    sampled) keeps NULL: an unknown value is never made a zero. A VM counts on its host of that
    hour (``place_vms``): one moved by vMotion counts on the host it spent most of the hour on.
    """
    columns = list(HOST_FROM_VMS)
    missing = hosts[columns].isna().to_numpy().any()
    if not missing or vms.empty:
        return hosts
    grouped = vms.groupby(["host", "hour"])[columns]
    sums = grouped.sum(min_count=1).where(grouped.count().eq(grouped.size(), axis=0))
    from_vms = hosts[["host", "hour"]].join(sums, on=["host", "hour"])
    out = hosts.copy()
    out[columns] = out[columns].fillna(from_vms[columns])
    return out


def _current_datastores(datastores: pd.DataFrame, vcenter: str, window: Window, now: datetime,
                        sampled: pd.DataFrame) -> pd.DataFrame:
    """The current hour from the datastores' summaries when their 30-minute counters have no sample yet."""
    hour = pd.Timestamp(now).floor("h")
    if not window.start <= hour < window.end:
        return pd.DataFrame(columns=["datastore", "hour", "capacity_bytes", "free_bytes", "vcenter"])
    have = set(sampled.loc[sampled["hour"] == hour, "datastore"]) if len(sampled) else set()
    rows = datastores[~datastores["datastore"].isin(have)].dropna(subset=["capacity_bytes", "free_bytes"])
    return pd.DataFrame({"vcenter": vcenter, "datastore": rows["datastore"], "hour": hour,
                         "capacity_bytes": rows["capacity_bytes"].astype("float64"),
                         "free_bytes": rows["free_bytes"].astype("float64")})
