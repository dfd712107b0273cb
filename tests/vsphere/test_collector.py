"""The collector against a simulated vCenter: facts' shapes and ranges, batching under the cap,
round trips, TLS verification and credentials.

vcsim replays recorded samples plus random noise (newest first), so values are checked against
ranges and invariants, never exact figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from collectors.base import Batch, ScopeFailure
from collectors.vsphere.collector import VSphereCollector
from collectors.vsphere.config import VCenterConfig
from collectors.vsphere.connection import connect
from collectors.vsphere.events import EVENT_CALLS
from common.errors import PermanentError
from common.windows import Window
from testbed.vcsim import VcsimServer
from tests.vsphere.conftest import by_table, config_of, vcenter_of

T0 = datetime(2026, 3, 2, 9)
WINDOW = Window(T0, T0 + timedelta(hours=3))
HOURS = 3


def clock() -> datetime:
    return WINDOW.end + timedelta(hours=1)  # a recent window: the 300 s interval is still kept


@pytest.fixture(scope="module")
def collected(vcsim: VcsimServer) -> tuple[VSphereCollector, dict[str, pd.DataFrame]]:
    collector = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-a")), clock=clock)
    return collector, by_table(list(collector.collect(WINDOW)))


def test_every_host_vm_and_datastore_has_a_row_per_hour(vcsim: VcsimServer, collected: Any) -> None:
    _, tables = collected
    hours = {T0 + timedelta(hours=h) for h in range(HOURS)}
    for table, key, count in (("vsphere_host_hourly", "host", vcsim.hosts), ("vsphere_vm_hourly", "vm_uuid", vcsim.vms),
                              ("datastore_hourly", "datastore", vcsim.datastores)):
        frame = tables[table]
        assert len(frame) == count * HOURS, table
        assert set(frame["hour"]) == hours
        assert not frame.duplicated(["hour", key]).any()
        assert (frame["source"] == "vsphere").all() and (frame["vcenter"] == "vc-a").all()


def test_host_facts_are_in_range(collected: Any) -> None:
    _, tables = collected
    hosts, dim = tables["vsphere_host_hourly"], tables["vsphere_host"].set_index("host")
    capacity = dim["cpu_cores"] * dim["cpu_mhz_per_core"]
    assert (hosts["cpu_capacity_mhz"] == hosts["host"].map(capacity)).all()
    assert (hosts["memory_capacity_bytes"] == hosts["host"].map(dim["memory_bytes"])).all()
    assert hosts["cpu_usage_percent"].between(0, 100).all()
    assert (hosts["cpu_usage_mhz"] > 0).all()
    # Averages of KiB samples in bytes: positive, and active memory no larger than consumed would be
    # true on a real host; vcsim's replayed series are independent, so only positivity holds here.
    assert (hosts[["memory_consumed_bytes", "memory_active_bytes"]] > 0).all().all()
    assert hosts["vsphere_cluster"].dropna().map(lambda c: c.startswith("DC0_C")).all()


def test_vm_facts_are_in_range(collected: Any) -> None:
    _, tables = collected
    vms = tables["vsphere_vm_hourly"].merge(tables["vsphere_vm"][["vm_uuid", "num_cpu", "host"]], on="vm_uuid",
                                            suffixes=("", "_dim"))
    assert (vms["host"] == vms["host_dim"]).all()
    assert (vms["cpu_usage_mhz"] >= 0).all() and (vms["cpu_demand_mhz"] >= 0).all()
    # Ready time is summed over the hour: it cannot exceed an hour per virtual CPU.
    assert (vms["cpu_ready_ms"] > 0).all()
    assert (vms["cpu_ready_ms"] <= 3_600_000 * vms["num_cpu"]).all()
    assert (vms["memory_consumed_bytes"] > 0).all()
    # Scaled from KiB to bytes: vcsim's replayed consumed-memory series hover around 9 million KiB.
    assert vms["memory_consumed_bytes"].mean() > 2**32
    # vcsim keeps no balloon or swap series: the columns are there, empty, not zero.
    assert vms["memory_ballooned_bytes"].isna().all() and vms["memory_swapped_bytes"].isna().all()


def test_datastore_facts_are_in_range(collected: Any) -> None:
    _, tables = collected
    stores = tables["datastore_hourly"]
    assert (stores["capacity_bytes"] > 0).all()
    assert ((stores["free_bytes"] >= 0) & (stores["free_bytes"] < stores["capacity_bytes"])).all()


def test_round_trips_are_few_and_independent_of_size(vcsim: VcsimServer, collected: Any) -> None:
    collector, _ = collected
    stats = collector.stats["vc-a"]
    metrics = vcsim.hosts * 8 + vcsim.vms * 7 + vcsim.datastores * 2
    assert stats.query_calls == -(-metrics // 256) == stats.by_method["QueryPerf"]
    # content, view, properties, view destroyed, the migration events (collector created, rewound,
    # one empty page, destroyed), the QueryPerf calls (the logout is not counted).
    assert [stats.by_method[m] for m in EVENT_CALLS] == [1, 1, 1, 1]
    assert stats.round_trips == 4 + len(EVENT_CALLS) + stats.query_calls
    assert stats.migrations == 0 and stats.event_seconds > 0
    assert stats.entities == vcsim.hosts + vcsim.vms + vcsim.datastores
    assert stats.interval == 300
    assert stats.samples > 0


def test_a_small_cap_splits_queries_and_no_call_exceeds_it(vcsim: VcsimServer) -> None:
    collector = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-a"), max_query_metrics=5), clock=clock)
    small = by_table(list(collector.collect(WINDOW)))
    per_call = collector.stats["vc-a"].query_metrics  # counted as each request is sent
    assert per_call and max(per_call) <= 5
    metrics = vcsim.hosts * 8 + vcsim.vms * 7 + vcsim.datastores * 2
    assert sum(per_call) == metrics
    assert len(per_call) == collector.stats["vc-a"].query_calls == collector.stats["vc-a"].by_method["QueryPerf"]
    assert len(small["vsphere_vm_hourly"]) == vcsim.vms * HOURS  # VMs split over two specs join again
    assert small["vsphere_vm_hourly"][["cpu_usage_mhz", "memory_consumed_bytes"]].notna().all().all()


def test_one_call_per_entity_baseline_gives_the_same_rows(vcsim: VcsimServer, collected: Any) -> None:
    _, tables = collected
    baseline = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-a")), clock=clock, per_entity_queries=True)
    rows = by_table(list(baseline.collect(WINDOW)))
    for table in ("vsphere_host_hourly", "vsphere_vm_hourly", "datastore_hourly"):
        assert len(rows[table]) == len(tables[table])
    assert baseline.stats["vc-a"].query_calls == vcsim.hosts + vcsim.vms + vcsim.datastores


def test_tls_is_verified_by_default(vcsim: VcsimServer) -> None:
    unverified = vcenter_of(vcsim, ca_bundle=None)  # the system store does not trust vcsim's certificate
    assert unverified.verify_tls
    with pytest.raises(PermanentError, match="TLS certificate not trusted"):
        connect(unverified, 10)
    insecure = vcenter_of(vcsim, ca_bundle=None, verify_tls=False, insecure=True)
    session = connect(insecure, 10)
    session.close()


def test_wrong_password_is_a_permanent_failure_of_that_vcenter_only(vcsim: VcsimServer) -> None:
    bad = vcenter_of(vcsim, name="vc-bad", password="wrong")
    good = vcenter_of(vcsim, name="vc-good")
    out = list(VSphereCollector(config_of(bad, good), clock=clock).collect(WINDOW))
    failure = out[0]
    assert isinstance(failure, ScopeFailure) and failure.scope == "vc-bad"
    assert "login refused" in str(failure.error) and not failure.error.transient
    assert {b.scope for b in out[1:]} == {"vc-good"} and all(isinstance(b, Batch) for b in out[1:])


def test_a_fault_answer_is_raised_as_the_vmodl_fault(vcsim: VcsimServer) -> None:
    from pyVmomi import vmodl

    from collectors.vsphere.perf_wire import PerfSpec, query_perf

    session = connect(vcenter_of(vcsim), 30)
    try:
        content = session.content
        # vcsim keeps no statistics for folders and answers with an InvalidArgument fault.
        spec = PerfSpec("Folder", content.rootFolder._moId, (6,), 300, T0, T0 + timedelta(hours=1), 13)
        with pytest.raises(vmodl.fault.InvalidArgument):
            query_perf(content.perfManager, [spec])
        # The connection goes back to the pool and the session still works.
        assert content.about.apiType == "VirtualCenter"
    finally:
        session.close()


def test_real_time_samples_roll_up_to_the_same_hourly_rows(vcsim: VcsimServer) -> None:
    hour = Window(T0, T0 + timedelta(hours=1))
    collector = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-a"), interval_seconds=20), clock=clock)
    tables = by_table(list(collector.collect(hour)))
    stats = collector.stats["vc-a"]
    assert stats.interval == 20
    assert len(tables["vsphere_vm_hourly"]) == vcsim.vms and len(tables["vsphere_host_hourly"]) == vcsim.hosts
    assert len(tables["datastore_hourly"]) == vcsim.datastores  # datastores keep 30-minute samples only
    # 180 twenty-second samples per counter and hour: ready time sums them.
    vms = tables["vsphere_vm_hourly"].merge(tables["vsphere_vm"][["vm_uuid", "num_cpu"]], on="vm_uuid")
    assert (vms["cpu_ready_ms"] <= 3_600_000 * vms["num_cpu"]).all()
    host_and_vm_samples = stats.samples - vcsim.datastores * 2 * 2
    assert host_and_vm_samples == 180 * (vcsim.hosts * 6 + vcsim.vms * 5)  # no balloon or swap series


def test_a_hung_vcenter_times_out_and_the_next_one_is_collected(vcsim: VcsimServer) -> None:
    import socket
    import time

    from pydantic import SecretStr

    with socket.create_server(("127.0.0.1", 0)) as hung:  # accepts TCP connections, never answers
        port = hung.getsockname()[1]
        silent = VCenterConfig(name="vc-hung", host="127.0.0.1", port=port, username="u", password=SecretStr("p"))
        collector = VSphereCollector(config_of(silent, vcenter_of(vcsim, name="vc-a"), timeout_seconds=1),
                                     clock=clock)
        started = time.monotonic()
        out = list(collector.collect(WINDOW))
        elapsed = time.monotonic() - started
    failure = out[0]
    assert isinstance(failure, ScopeFailure) and failure.scope == "vc-hung"
    assert failure.error.transient and "unreachable" in str(failure.error)
    assert {b.scope for b in out[1:]} == {"vc-a"}
    assert elapsed < 15


def test_a_defect_is_permanent_and_the_network_transient() -> None:
    """Only what the network or the vCenter may clear on its own is worth retrying."""
    from collectors.vsphere.connection import as_insight_error
    from common.errors import TransientError

    defect = as_insight_error(KeyError("cpu.ready.summation"), "vc1")
    assert isinstance(defect, PermanentError) and "KeyError" in str(defect) and "vc1" in str(defect)
    assert isinstance(as_insight_error(ConnectionResetError("reset"), "vc1"), TransientError)


def test_a_defect_while_building_one_vcenters_rows_fails_only_that_vcenter(
        vcsim: VcsimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error that is not the vCenter's (here a KeyError where the hourly rows are built, after the
    vCenter was read) is recorded as that vCenter's permanent failure, and the next one is collected."""
    import collectors.vsphere.collector as module

    real, calls = module.placement_of, []

    def broken_once(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("host-42")
        return real(*args)

    monkeypatch.setattr(module, "placement_of", broken_once)
    collector = VSphereCollector(config_of(vcenter_of(vcsim, name="vc-a"), vcenter_of(vcsim, name="vc-b")),
                                 clock=clock)
    out = list(collector.collect(WINDOW))
    failure = out[0]
    assert isinstance(failure, ScopeFailure) and failure.scope == "vc-a" and not failure.error.transient
    assert "KeyError" in str(failure.error)
    assert {b.scope for b in out[1:]} == {"vc-b"} and all(isinstance(b, Batch) for b in out[1:])
