"""Facts of the simulated estate: schema, units, invariants, determinism and slice independence."""

from __future__ import annotations

import itertools
from datetime import timedelta
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ConfigError
from common.windows import Window
from estate import EstateConfig, SyntheticEstate
from warehouse.schema import DIMENSION_TABLES, FACT_TABLES, scope_column, time_column


@cache
def tiny(seed: int = 7) -> SyntheticEstate:
    return SyntheticEstate(EstateConfig(profile="tiny", seed=seed))


@cache
def tiny_frames(seed: int = 7) -> dict[tuple[str, str], pd.DataFrame]:
    e = tiny(seed)
    return {(b.table, b.scope): b.frame for b in e.collect(e.window)}


def by_table(frames: dict[tuple[str, str], pd.DataFrame], table: str) -> pd.DataFrame:
    return pd.concat([f for (t, _), f in frames.items() if t == table], ignore_index=True)


def test_columns_match_the_warehouse_schema() -> None:
    e = tiny()
    dims = e.dimensions()
    assert set(dims) == set(DIMENSION_TABLES)
    for name, frame in dims.items():
        assert list(frame.columns) == [c.name for c in DIMENSION_TABLES[name].columns], name
    seen = {t for t, _ in tiny_frames()}
    assert seen == set(FACT_TABLES)
    for (table, _), frame in tiny_frames().items():
        assert list(frame.columns) == [c.name for c in FACT_TABLES[table].columns], table


def test_dimension_keys_are_unique_and_not_null() -> None:
    for name, frame in tiny().dimensions().items():
        table = DIMENSION_TABLES[name]
        keys = [c.name for c in table.primary_key.columns]
        assert not frame.duplicated(keys).any(), name
        for col in table.columns:
            if not col.nullable:
                assert frame[col.name].notna().all(), f"{name}.{col.name}"


def test_batches_cover_every_scope_and_lie_in_their_window() -> None:
    e = tiny()
    window = Window(e.window.start + timedelta(hours=5), e.window.start + timedelta(hours=9))
    batches = list(e.collect(window))
    clusters = set(e.dimensions()["cluster"]["cluster_id"])
    vcenters = set(e.dimensions()["vsphere_host"]["vcenter"])
    for table, t in FACT_TABLES.items():
        scopes = {b.scope for b in batches if b.table == table}
        assert scopes == (vcenters if scope_column(t) == "vcenter" else clusters), table
    for b in batches:
        assert b.source == "synthetic" and b.window == window
        f = b.frame
        t = FACT_TABLES[b.table]
        times = f[time_column(t)]
        assert str(times.dtype) == "datetime64[ns]"
        assert ((times >= pd.Timestamp(window.start)) & (times < pd.Timestamp(window.end))).all()
        assert (f[scope_column(t)] == b.scope).all()
        assert (f["source"] == "synthetic").all()
        for col in t.columns:
            if not col.nullable:
                assert f[col.name].notna().all(), f"{b.table}.{col.name}"
        assert len(f) > 0 or b.table == "container_usage_hourly"


def test_windows_outside_the_period_give_empty_batches() -> None:
    e = tiny()
    window = Window(e.window.end, e.window.end + timedelta(hours=3))
    batches = list(e.collect(window))
    assert len(batches) == 3 * 6 + 2 * 3
    for b in batches:
        assert b.frame.empty
        assert list(b.frame.columns) == [c.name for c in FACT_TABLES[b.table].columns]


def test_table_selection_and_bad_requests() -> None:
    e = tiny()
    w = Window(e.window.start, e.window.start + timedelta(hours=1))
    assert {b.table for b in e.collect(w, tables={"sli_5m", "datastore_hourly"})} == {"sli_5m", "datastore_hourly"}
    with pytest.raises(ConfigError):
        list(e.collect(w, tables={"no_such_table"}))
    with pytest.raises(ConfigError):
        list(e.collect(Window(e.window.start + timedelta(minutes=30), e.window.start + timedelta(hours=2))))


def test_container_facts_off_gives_empty_container_batches() -> None:
    e = SyntheticEstate(EstateConfig(profile="tiny", seed=7, container_facts=False))
    w = Window(e.window.start, e.window.start + timedelta(hours=2))
    frames = {(b.table, b.scope): b.frame for b in e.collect(w)}
    assert all(f.empty for (t, _), f in frames.items() if t == "container_usage_hourly")
    pods = by_table(frames, "pod_usage_hourly")
    reference = by_table(tiny_frames(), "pod_usage_hourly")
    reference = reference[reference["hour"] < pd.Timestamp(w.end)].reset_index(drop=True)
    pd.testing.assert_frame_equal(pods, reference)


def test_units_and_capacity_invariants() -> None:
    frames = tiny_frames()
    pods = by_table(frames, "pod_usage_hourly")
    assert (pods["pod_seconds"] > 0).all() and (pods["pod_seconds"] <= 3600).all()
    limited = pods["cpu_limit_core_seconds"].notna()
    assert (pods.loc[limited, "cpu_usage_core_seconds"] <= pods.loc[limited, "cpu_limit_core_seconds"] + 1e-6).all()
    mlimited = pods["memory_limit_byte_seconds"].notna()
    assert (pods.loc[mlimited, "memory_usage_byte_seconds"]
            <= pods.loc[mlimited, "memory_limit_byte_seconds"]).all()
    assert (pods[["cpu_usage_core_seconds", "memory_usage_byte_seconds", "cpu_request_core_seconds",
                  "memory_request_byte_seconds"]] > 0).all().all()
    nodes = by_table(frames, "node_hourly")
    assert (nodes["cpu_usage_core_seconds"] <= nodes["cpu_capacity_core_seconds"]).all()
    assert (nodes["memory_usage_byte_seconds"] <= nodes["memory_capacity_byte_seconds"]).all()
    assert (nodes["cpu_allocatable_core_seconds"] < nodes["cpu_capacity_core_seconds"]).all()
    node_cores = tiny().dimensions()["node"].set_index(["cluster_id", "node"])["cpu_cores"]
    cores = node_cores.loc[list(zip(pods["cluster_id"], pods["node"], strict=True))].to_numpy()
    assert (pods["cpu_usage_core_seconds"].to_numpy() <= cores * pods["pod_seconds"].to_numpy()).all()
    # node usage is the sum of its pods' usage
    summed = pods.groupby(["cluster_id", "node", "hour"])["cpu_usage_core_seconds"].sum()
    n = nodes.set_index(["cluster_id", "node", "hour"])["cpu_usage_core_seconds"]
    np.testing.assert_allclose(n.loc[summed.index].to_numpy(), summed.to_numpy(), rtol=1e-9)
    assert (n.drop(summed.index) == 0).all()
    # tenant requests fill a sensible share of worker allocatable
    workers = nodes[nodes["role"] == "worker"]
    fill = pods[pods["node"].isin(workers["node"])]["cpu_request_core_seconds"].sum() / \
        workers["cpu_allocatable_core_seconds"].sum()
    assert 0.15 <= fill <= 0.8  # tiny keeps two workers per cluster, so its fill is low
    pvc = by_table(frames, "pvc_hourly")
    assert (pvc["usage_byte_seconds"] <= pvc["capacity_byte_seconds"]).all()
    hosts = by_table(frames, "vsphere_host_hourly")
    assert (hosts["cpu_usage_mhz"] <= hosts["cpu_capacity_mhz"]).all()
    assert hosts["cpu_usage_percent"].between(0, 100).all()
    assert (hosts["memory_consumed_bytes"] <= hosts["memory_capacity_bytes"]).all()
    # a host's ready time is its VMs' (an hour per vCPU at most), its demand at least its usage
    vms = by_table(frames, "vsphere_vm_hourly")
    ready = vms.groupby(["vcenter", "host", "hour"])["cpu_ready_ms"].sum()
    h = hosts.set_index(["vcenter", "host", "hour"])
    np.testing.assert_allclose(h.loc[ready.index, "cpu_ready_ms"], ready, rtol=1e-9)
    assert (h.drop(ready.index)["cpu_ready_ms"] == 0).all()
    assert (hosts["cpu_demand_mhz"] >= hosts["cpu_usage_mhz"]).all()
    assert (hosts[["memory_ballooned_bytes", "memory_swapped_bytes"]] == 0).all().all()
    ds = by_table(frames, "datastore_hourly")
    assert ((ds["free_bytes"] > 0) & (ds["free_bytes"] < ds["capacity_bytes"])).all()
    logs = by_table(frames, "log_volume_hourly")
    assert (logs["error_documents"] + logs["warning_documents"] <= logs["documents"]).all()
    assert logs["documents"].between(1, 2000).all()
    sli = by_table(frames, "sli_5m")
    assert ((sli["good_events"] >= 0) & (sli["good_events"] <= sli["total_events"])).all()
    assert {"availability", "latency"} <= set(sli["sli"])


def test_pod_rows_are_the_sum_of_their_containers() -> None:
    frames = tiny_frames()
    pods = by_table(frames, "pod_usage_hourly").set_index(["cluster_id", "namespace", "pod", "hour"]).sort_index()
    containers = by_table(frames, "container_usage_hourly")
    assert containers.groupby(["cluster_id", "namespace", "pod", "hour"]).size().max() == 2  # some sidecars
    cols = {"cpu_usage_core_seconds": "cpu_usage_core_seconds",
            "memory_usage_byte_seconds": "memory_usage_byte_seconds",
            "cpu_request_core_seconds": "cpu_request_core_seconds",
            "memory_request_byte_seconds": "memory_request_byte_seconds",
            "cpu_throttled_seconds": "cpu_throttled_seconds", "oom_kills": "oom_kills"}
    summed = containers.groupby(["cluster_id", "namespace", "pod", "hour"])[list(cols)].sum().sort_index()
    assert summed.index.equals(pods.index)
    for c in cols:
        assert (summed[c].to_numpy() == pods[c].to_numpy()).all(), c
    lim = containers.groupby(["cluster_id", "namespace", "pod", "hour"])["cpu_limit_core_seconds"].sum(
        min_count=1).sort_index()
    both = lim.notna() & pods["cpu_limit_core_seconds"].notna()
    assert (lim[both].to_numpy() == pods.loc[both.to_numpy(), "cpu_limit_core_seconds"].to_numpy()).all()
    assert (containers["cpu_max_cores"] * 3600 >= containers["cpu_usage_core_seconds"] - 1e-6).all()
    assert (containers["memory_max_bytes"] * 3600 >= containers["memory_usage_byte_seconds"] * (1 - 1e-12)).all()


def test_same_seed_same_frames_and_different_seed_differs() -> None:
    a = tiny_frames(7)
    b = {(x.table, x.scope): x.frame for x in SyntheticEstate(EstateConfig(profile="tiny", seed=7)).collect(
        tiny(7).window)}
    assert a.keys() == b.keys()
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])
    other = SyntheticEstate(EstateConfig(profile="tiny", seed=8))
    assert not other.dimensions()["namespace"].equals(tiny(7).dimensions()["namespace"])
    c = by_table({(x.table, x.scope): x.frame for x in other.collect(other.window, {"pod_usage_hourly"})},
                 "pod_usage_hourly")
    assert not c.equals(by_table(a, "pod_usage_hourly"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=1, max_value=71), min_size=1, max_size=3, unique=True))
def test_slicing_a_window_does_not_change_its_rows(cuts: list[int]) -> None:
    e = tiny()
    whole = tiny_frames()
    bounds = [0, *sorted(cuts), 72]
    parts: dict[tuple[str, str], list[pd.DataFrame]] = {}
    for lo, hi in itertools.pairwise(bounds):
        w = Window(e.window.start + timedelta(hours=lo), e.window.start + timedelta(hours=hi))
        for b in e.collect(w):
            parts.setdefault((b.table, b.scope), []).append(b.frame)
    assert parts.keys() == whole.keys()
    for key, frames in parts.items():
        pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), whole[key], obj=str(key))
