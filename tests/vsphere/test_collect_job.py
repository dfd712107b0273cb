"""Collecting vCenters into the warehouse: a vCenter that disappears mid-run is a failed run and the
other vCenter loads; VMs that are OpenShift nodes are mapped on load; incremental collection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from analytics.vsphere_mapping import swap_byte_order
from collectors.vsphere.collector import VSphereCollector
from collectors.vsphere.config import VCenterConfig
from collectors.vsphere.connection import VCenterSession, connect
from common.windows import Window
from ingest import collect_window
from ingest.config import ScheduleConfig
from ingest.incremental import collect_incremental
from testbed.vcsim import VcsimServer
from tests.vsphere.conftest import config_of, vcenter_of
from warehouse import load
from warehouse.dimensions import read_dimension
from warehouse.runs import recent_runs

T0 = datetime(2026, 3, 2, 9)
WINDOW = Window(T0, T0 + timedelta(hours=2))


def clock() -> datetime:
    return WINDOW.end + timedelta(hours=1)


def counts(engine: sa.Engine, table: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT vcenter, COUNT(*) FROM {table} GROUP BY vcenter")).all()
    return dict(rows)


class StopsBeforeQueryPerf:
    """Connects normally, then stops the named vCenter's server just before its first QueryPerf:
    the inventory has been read, the performance data never comes."""

    def __init__(self, victim: str, server: VcsimServer) -> None:
        self.victim, self.server = victim, server

    def __call__(self, vc: VCenterConfig, timeout: float) -> VCenterSession:
        session = connect(vc, timeout)
        if vc.name == self.victim:
            record = session.calls.record  # called as each SOAP request is about to be sent

            def gone(method: str, *args: Any) -> None:
                if method == "QueryPerf" and self.server.running:
                    self.server.stop()
                record(method, *args)

            session.calls.record = gone  # type: ignore[method-assign]
        return session


def test_a_vcenter_that_disappears_mid_run_fails_alone(warehouse_engine: sa.Engine, vcsim: VcsimServer,
                                                       spare_vcsim: Callable[..., VcsimServer]) -> None:
    doomed = spare_vcsim()
    cfg = config_of(vcenter_of(doomed, name="vc-doomed"), vcenter_of(vcsim, name="vc-main"), timeout_seconds=10)
    collector = VSphereCollector(cfg, connect=StopsBeforeQueryPerf("vc-doomed", doomed), clock=clock)
    report = collect_window(warehouse_engine, collector, WINDOW)
    assert len(report.failures) == 1 and report.failures[0].startswith("vc-doomed: ")
    assert "unreachable" in report.failures[0]
    runs = recent_runs(warehouse_engine).set_index("cluster_id")
    assert runs.loc["vc-doomed", "status"] == "failed" and runs.loc["vc-doomed", "rows"] == 0
    assert runs.loc["vc-main", "status"] == "succeeded" and runs.loc["vc-main", "rows"] > 0
    assert counts(warehouse_engine, "vsphere_vm_hourly") == {"vc-main": vcsim.vms * 2}
    assert counts(warehouse_engine, "vsphere_host_hourly") == {"vc-main": vcsim.hosts * 2}
    assert counts(warehouse_engine, "datastore_hourly") == {"vc-main": vcsim.datastores * 2}
    assert counts(warehouse_engine, "vsphere_vm") == {"vc-main": vcsim.vms}  # nothing partial of the doomed one

    # Next run: the vCenter is still gone (refused at connect); the stored data of vc-main stays.
    again = collect_window(warehouse_engine, VSphereCollector(cfg, clock=clock), WINDOW)
    assert len(again.failures) == 1 and again.failures[0].startswith("vc-doomed: ")
    assert counts(warehouse_engine, "vsphere_vm_hourly") == {"vc-main": vcsim.vms * 2}


def test_vms_that_are_nodes_get_their_cluster_and_node_on_load(warehouse_engine: sa.Engine,
                                                               vcsim: VcsimServer) -> None:
    session = connect(vcenter_of(vcsim), 30)
    try:
        from collectors.vsphere.inventory import read_inventory
        vms = sorted(read_inventory(session.content).of("VirtualMachine"), key=lambda v: v["name"])
    finally:
        session.close()
    a, b, c = vms[:3]
    nodes = pd.DataFrame({
        "cluster_id": ["ocp-a", "ocp-a", "ocp-b"],
        "node": ["worker-0", "worker-1", c["name"]],
        "role": ["worker"] * 3,
        # As written by vCenter (upper case), byte-swapped as older guests read SMBIOS, and no UUID at all.
        "provider_id": [f"vsphere://{a['config.uuid'].upper()}", f"vsphere://{swap_byte_order(b['config.uuid'])}",
                        None],
    })
    load.upsert_dimension(warehouse_engine, "node", nodes)
    collect_window(warehouse_engine, VSphereCollector(config_of(vcenter_of(vcsim, name="vc-main")),
                                                           clock=clock), WINDOW)
    stored = read_dimension(warehouse_engine, "vsphere_vm").set_index("vm_name")
    assert (stored.loc[a["name"], "cluster_id"], stored.loc[a["name"], "node"]) == ("ocp-a", "worker-0")
    assert (stored.loc[b["name"], "cluster_id"], stored.loc[b["name"], "node"]) == ("ocp-a", "worker-1")
    assert (stored.loc[c["name"], "cluster_id"], stored.loc[c["name"], "node"]) == ("ocp-b", c["name"])
    assert stored["node"].notna().sum() == 3


def test_incremental_collection_reuses_the_watermark(warehouse_engine: sa.Engine, vcsim: VcsimServer) -> None:
    now = datetime(2026, 3, 2, 12, 20)
    schedule = ScheduleConfig(first_run_hours=2, settle_minutes=10, refill_days=0)
    collector = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-main")), clock=lambda: now)
    first = collect_incremental(warehouse_engine, collector, schedule, slice_hours=24, now=now)
    assert first.windows == [Window(datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 12))] and not first.failures
    later = now + timedelta(hours=1)
    collector.clock = lambda: later
    second = collect_incremental(warehouse_engine, collector, schedule, slice_hours=24, now=later)
    assert second.windows == [Window(datetime(2026, 3, 2, 12), datetime(2026, 3, 2, 13))]
    assert counts(warehouse_engine, "vsphere_host_hourly") == {"vc-main": vcsim.hosts * 3}
