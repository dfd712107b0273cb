"""Idempotent slice loading on both real engines (DuckDB file and PostgreSQL server)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import DataError
from common.windows import Window
from tests.support.frames import T0, pod_rows
from warehouse.load import (
    load_dimensions,
    prepare_slice,
    replace_slice,
    replace_slices,
    replaced_rows_per_day,
)
from warehouse.runs import finish_run, recent_runs, start_run
from warehouse.schema import node_hourly, pod_usage_hourly, sector


@pytest.fixture
def engine(warehouse_engine: sa.Engine) -> sa.Engine:
    return warehouse_engine


def stored(engine: sa.Engine) -> pd.DataFrame:
    p = pod_usage_hourly.c
    query = sa.select(p.source, p.cluster_id, p.hour, p.pod, p.cpu_usage_core_seconds).order_by(
        p.source, p.cluster_id, p.hour, p.pod)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=["source", "cluster_id", "hour", "pod", "cpu"])


def test_reload_replaces_exactly_the_slice(engine: sa.Engine) -> None:
    whole = Window(T0, T0 + timedelta(hours=48))
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", whole, pod_rows("c1", T0, 48))
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c2", whole, pod_rows("c2", T0, 48))
    replace_slice(engine, "pod_usage_hourly", "prometheus", "c1", whole, pod_rows("c1", T0, 48, source="prometheus"))
    middle = Window(T0 + timedelta(hours=10), T0 + timedelta(hours=20))
    rows = replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", middle,
                         pod_rows("c1", middle.start, 10, pods=2, scale=10.0))
    assert rows == 20
    data = stored(engine)
    assert len(data) == 3 * 48 * 3 - 10 * 3 + 20
    inside = data[(data.source == "synthetic") & (data.cluster_id == "c1")
                  & (data.hour >= middle.start) & (data.hour < middle.end)]
    assert len(inside) == 20 and inside.cpu.min() >= 10.0
    untouched = data[(data.cluster_id == "c2") | (data.source == "prometheus")]
    assert len(untouched) == 2 * 48 * 3 and untouched.cpu.max() <= 7.0


def test_empty_batch_clears_its_slice(engine: sa.Engine) -> None:
    window = Window(T0, T0 + timedelta(hours=5))
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", window, pod_rows("c1", T0, 5))
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", window, pod_rows("c1", T0, 0))
    assert stored(engine).empty


def test_a_merged_slice_replaces_only_its_keys_and_node_usage_follows_the_pods(engine: sa.Engine) -> None:
    """An hour held in two parts: each part replaces the stored rows of its own pods only, and a
    merged node_hourly row takes its usage as the sum of the node's stored pods."""
    hour = Window(T0, T0 + timedelta(hours=1))
    rows = pod_rows("c1", T0, 1, pods=4, source="operator")
    node = pd.DataFrame({"hour": [T0], "source": "operator", "cluster_id": "c1", "node": "w1", "role": "worker",
                         "node_seconds": 3600.0, "cpu_capacity_core_seconds": 4 * 3600.0,
                         "cpu_allocatable_core_seconds": 4 * 3600.0, "memory_capacity_byte_seconds": 8e9 * 3600,
                         "memory_allocatable_byte_seconds": 8e9 * 3600})

    def part(pods: pd.DataFrame) -> list:
        usage = node.assign(cpu_usage_core_seconds=pods["cpu_usage_core_seconds"].sum(),
                            memory_usage_byte_seconds=pods["memory_usage_byte_seconds"].sum())
        return [prepare_slice("pod_usage_hourly", "operator", "c1", hour, pods, merge_on=("hour", "namespace", "pod")),
                prepare_slice("node_hourly", "operator", "c1", hour, usage, merge_on=("hour", "node"))]

    for _ in range(2):  # both parts, then both again: replaced, never doubled
        replace_slices(engine, part(rows.iloc[:3]))
        replace_slices(engine, part(rows.iloc[2:]))
    with engine.connect() as conn:  # stored in the hour, and what the second part replaces
        assert replaced_rows_per_day(conn, part(rows.iloc[2:])[0]) == {T0: (4, 2)}
    data = stored(engine)
    assert sorted(data.pod) == ["pod-0", "pod-1", "pod-2", "pod-3"]
    assert data.cpu.sum() == pytest.approx(rows["cpu_usage_core_seconds"].sum())
    with engine.connect() as conn:
        cpu, memory = conn.execute(sa.select(node_hourly.c.cpu_usage_core_seconds,
                                             node_hourly.c.memory_usage_byte_seconds)).one()
    assert cpu == pytest.approx(rows["cpu_usage_core_seconds"].sum())
    assert memory == pytest.approx(rows["memory_usage_byte_seconds"].sum())
    with pytest.raises(DataError, match="merge keys"):
        prepare_slice("pod_usage_hourly", "operator", "c1", hour, rows, merge_on=("hour", "bogus"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.assign(hour=f["hour"] + pd.Timedelta(hours=100)), "outside the batch window"),
        (lambda f: f.assign(cluster_id="other"), "batch scoped to"),
        (lambda f: f.drop(columns=["cpu_usage_core_seconds"]), "cpu_usage_core_seconds"),
        (lambda f: f.assign(bogus=1), "bogus"),
        (lambda f: f.assign(memory_request_byte_seconds=np.nan), "memory_request_byte_seconds"),
    ],
)
def test_bad_batch_is_refused_and_stored_rows_survive(engine: sa.Engine, mutate, message: str) -> None:
    window = Window(T0, T0 + timedelta(hours=4))
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", window, pod_rows("c1", T0, 4))
    with pytest.raises(DataError, match=message) as err:
        replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", window, mutate(pod_rows("c1", T0, 4, scale=5)))
    assert "pod_usage_hourly" in str(err.value)
    data = stored(engine)
    assert len(data) == 12 and data.cpu.max() <= 7.0


def test_failure_inside_the_transaction_rolls_back(engine: sa.Engine) -> None:
    window = Window(T0, T0 + timedelta(hours=4))
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", window, pod_rows("c1", T0, 4))
    bad = pod_rows("c1", T0, 4).assign(namespace="x" * 300)  # longer than the column allows on PostgreSQL
    bad["oom_kills"] = "not a number"  # refused by both engines while inserting
    with pytest.raises(Exception):  # noqa: B017 - the engine's own error type differs per engine
        replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", window, bad)
    assert len(stored(engine)) == 12


def test_dimension_upsert_keeps_history(engine: sa.Engine) -> None:
    load_dimensions(engine, {"sector": pd.DataFrame({"sector_id": ["CTI", "ICG"], "name": ["C", "I"]})})
    load_dimensions(engine, {"sector": pd.DataFrame({"sector_id": ["CTI"], "name": ["Citi Tech"]})})
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(sector.c.sector_id, sector.c.name)).all())
    assert rows == {"CTI": "Citi Tech", "ICG": "I"}
    with pytest.raises(DataError, match="duplicate key"):
        load_dimensions(engine, {"sector": pd.DataFrame({"sector_id": ["X", "X"], "name": ["a", "b"]})})


def test_collection_runs_are_recorded(engine: sa.Engine) -> None:
    window = Window(T0, T0 + timedelta(hours=1))
    ok = start_run(engine, "synthetic", "c1", window)
    bad = start_run(engine, "synthetic", "c2", window)
    finish_run(engine, ok, 42)
    finish_run(engine, bad, 0, error="timeout")
    runs = recent_runs(engine).set_index("run_id")
    assert runs.loc[ok, "status"] == "succeeded" and runs.loc[ok, "rows"] == 42
    assert runs.loc[bad, "status"] == "failed" and runs.loc[bad, "error"] == "timeout"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(loads=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12), st.sampled_from(["c1", "c2"]),
                                st.floats(1, 50)), min_size=1, max_size=6))
def test_property_final_state_depends_only_on_last_load_per_hour(
    engine: sa.Engine, loads: list[tuple[int, int, str, float]]
) -> None:
    """Any sequence of overlapping reloads ends equal to a model where each hour holds its last load."""
    run = uuid.uuid4().hex[:8]  # the database outlives one example: each example has its own clusters
    model: dict[tuple[str, datetime], float] = {}
    for offset, length, name, scale in loads:
        cluster = f"{run}-{name}"
        start = T0 + timedelta(hours=offset)
        frame = pod_rows(cluster, start, length, pods=1).assign(cpu_usage_core_seconds=scale)
        replace_slice(engine, "pod_usage_hourly", "synthetic", cluster, Window(start, start + timedelta(hours=length)),
                      frame)
        for h in range(length):
            model[(cluster, start + timedelta(hours=h))] = scale
    data = stored(engine)
    data = data[data.cluster_id.str.startswith(run)]
    got = {(r.cluster_id, r.hour.to_pydatetime()): r.cpu for r in data.itertuples()}
    assert got == pytest.approx(model)
