"""QueryPerf planning and hourly roll-up, without a server: batching under the cap, interval choice,
averages, summations, latest values and periods longer than an hour."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors.vsphere import perf
from common.windows import Window

T0 = datetime(2026, 3, 2, 10)
WINDOW = Window(T0, T0 + timedelta(hours=2))


def counters() -> dict[str, SimpleNamespace]:
    names = {m.counter for metrics in perf.METRICS.values() for m in metrics}
    return {name: SimpleNamespace(key=i + 1, rollupType=name.rsplit(".", 1)[1]) for i, name in enumerate(sorted(names))}


def entities(vms: int, hosts: int = 0, datastores: int = 0) -> list[tuple[SimpleNamespace, str]]:
    out = [(SimpleNamespace(_moId=f"vm-{i}"), "VirtualMachine") for i in range(vms)]
    out += [(SimpleNamespace(_moId=f"host-{i}"), "HostSystem") for i in range(hosts)]
    out += [(SimpleNamespace(_moId=f"ds-{i}"), "Datastore") for i in range(datastores)]
    return out


@given(vms=st.integers(0, 60), hosts=st.integers(0, 10), datastores=st.integers(0, 5), cap=st.integers(1, 300))
def test_packed_calls_never_exceed_the_cap_and_cover_every_metric(vms: int, hosts: int, datastores: int,
                                                                   cap: int) -> None:
    requests = perf.plan_requests(entities(vms, hosts, datastores), counters(), cap)
    calls = perf.pack(requests, cap)
    assert all(sum(len(r.counter_ids) for r in call) <= cap for call in calls)
    wanted = vms * len(perf.METRICS["VirtualMachine"]) + hosts * len(perf.METRICS["HostSystem"]) + \
        datastores * len(perf.METRICS["Datastore"])
    assert sum(len(r.counter_ids) for call in calls for r in call) == wanted
    # Packing is tight: no two neighbouring calls could have been one.
    sizes = [sum(len(r.counter_ids) for r in call) for call in calls]
    firsts = [len(call[0].counter_ids) for call in calls]
    assert all(sizes[i] + firsts[i + 1] > cap for i in range(len(calls) - 1))


def test_500_vms_take_few_calls_at_the_default_cap() -> None:
    calls = perf.pack(perf.plan_requests(entities(500, 20, 4), counters(), 256), 256)
    total = 500 * 7 + 20 * 8 + 4 * 2
    assert len(calls) == -(-total // 256) or len(calls) == -(-total // 256) + 1


def test_counters_the_vcenter_lacks_are_not_asked_for() -> None:
    known = {k: v for k, v in counters().items() if k != "cpu.demand.average"}
    (request,) = perf.plan_requests(entities(1), known, 256)
    assert len(request.counter_ids) == len(perf.METRICS["VirtualMachine"]) - 1


@pytest.mark.parametrize(("age_hours", "expected"), [(1, 300), (23, 300), (25, 1800), (24 * 6, 1800),
                                                     (24 * 20, 7200), (24 * 200, 86400), (24 * 900, 86400)])
def test_auto_interval_is_the_finest_still_kept(age_hours: int, expected: int) -> None:
    window = Window(T0, T0 + timedelta(hours=1))
    assert perf.choose_interval("auto", window, T0 + timedelta(hours=age_hours)) == expected


def test_auto_interval_follows_the_vcenters_own_settings_and_explicit_choice_wins() -> None:
    window = Window(T0, T0 + timedelta(hours=1))
    kept = [(300, 3 * 86400), (1800, 14 * 86400)]
    assert perf.choose_interval("auto", window, T0 + timedelta(days=2), kept) == 300
    assert perf.choose_interval("auto", window, T0 + timedelta(days=5), kept) == 1800
    assert perf.choose_interval(20, window, T0 + timedelta(days=5), kept) == 20
    assert perf.entity_interval("Datastore", 300) == 1800 and perf.entity_interval("HostSystem", 300) == 300


def samples(entity: str, column: str, rollup: str, interval: int, values: list[float],
            first_end: datetime) -> pd.DataFrame:
    return pd.DataFrame({
        "entity": entity, "column": column, "rollup": rollup,
        "ts": [first_end + timedelta(seconds=interval * i) for i in range(len(values))],
        "interval": interval, "value": values,
    })


def test_five_minute_samples_roll_up_by_rollup_type() -> None:
    # 24 samples ending 10:05 .. 12:00 cover exactly the two hours of the window.
    usage = samples("vm-1", "cpu_usage_mhz", "average", 300, [float(i) for i in range(24)], T0 + timedelta(minutes=5))
    ready = samples("vm-1", "cpu_ready_ms", "summation", 300, [10.0] * 24, T0 + timedelta(minutes=5))
    cap = samples("ds-1", "capacity_bytes", "latest", 1800, [1.0, 2.0, 3.0, 4.0], T0 + timedelta(minutes=30))
    out = perf.hourly(pd.concat([usage, ready, cap], ignore_index=True), WINDOW).set_index(["entity", "hour"])
    assert out.loc[("vm-1", T0), "cpu_usage_mhz"] == pytest.approx(sum(range(12)) / 12)
    assert out.loc[("vm-1", T0 + timedelta(hours=1)), "cpu_usage_mhz"] == pytest.approx(sum(range(12, 24)) / 12)
    assert out.loc[("vm-1", T0), "cpu_ready_ms"] == pytest.approx(120.0)
    assert out.loc[("ds-1", T0), "capacity_bytes"] == 2.0  # the hour's last sample
    assert out.loc[("ds-1", T0 + timedelta(hours=1)), "capacity_bytes"] == 4.0
    assert len(out) == 4


def test_a_sample_ending_on_the_hour_belongs_to_the_hour_before() -> None:
    one = samples("h", "cpu_usage_mhz", "average", 300, [7.0], T0 + timedelta(hours=1))
    out = perf.hourly(one, WINDOW)
    assert list(out["hour"]) == [T0]


def test_two_hour_periods_are_spread_over_their_hours() -> None:
    usage = samples("vm", "cpu_usage_mhz", "average", 7200, [50.0], T0 + timedelta(hours=2))
    ready = samples("vm", "cpu_ready_ms", "summation", 7200, [1000.0], T0 + timedelta(hours=2))
    out = perf.hourly(pd.concat([usage, ready], ignore_index=True), WINDOW).sort_values("hour")
    assert list(out["hour"]) == [T0, T0 + timedelta(hours=1)]
    assert list(out["cpu_usage_mhz"]) == [50.0, 50.0]
    assert list(out["cpu_ready_ms"]) == [500.0, 500.0]


def test_hours_outside_the_window_are_dropped_and_no_samples_give_no_rows() -> None:
    early = samples("vm", "cpu_usage_mhz", "average", 300, [1.0], T0)  # covers 09:55-10:00
    assert perf.hourly(early, WINDOW).empty
    assert perf.hourly(early.iloc[0:0], WINDOW).empty
