"""The daily rollup stays equal to a fresh GROUP BY of the pod-hours after any sequence of slice
loads, and month reads from it equal the same reads over pod-hours (both real engines)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.windows import Window
from tests.support.frames import T0, pod_rows
from warehouse.chargeback_facts import USAGE_COLUMNS, usage_by_node_namespace
from warehouse.engine import create_warehouse_engine
from warehouse.load import conform_frame, insert_rows, prepare_slice, replace_slice, replace_slices
from warehouse.migrate import upgrade
from warehouse.rollups import daily_from_hourly, day_aligned, day_span
from warehouse.schema import pod_usage_daily, pod_usage_hourly
from warehouse.usage import effective_usage_by_namespace

KEYS = ["day", "source", "cluster_id", "node", "namespace"]
DAYS = Window(T0 - timedelta(days=1), T0 + timedelta(days=7))  # beyond every generated load


def rollup(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(sa.select(pod_usage_daily)).all(), columns=list(pod_usage_daily.c.keys()))
    return frame.sort_values(KEYS, ignore_index=True)


def recomputed(engine: sa.Engine) -> pd.DataFrame:
    """What the rollup must hold: every (source, cluster) recomputed from the pod-hours now stored."""
    parts = []
    with engine.connect() as conn:
        for source in ("synthetic", "prometheus"):
            query = daily_from_hourly(source, ["c1", "c2"], DAYS)
            parts.append(pd.DataFrame(conn.execute(query).all(), columns=list(pod_usage_daily.c.keys())))
    return pd.concat(parts).sort_values(KEYS, ignore_index=True)


def assert_same(engine: sa.Engine) -> None:
    got, want = rollup(engine), recomputed(engine)
    assert len(got) == len(want)
    if len(want):
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)


def test_day_span_and_alignment() -> None:
    assert day_span(Window(T0 + timedelta(hours=5), T0 + timedelta(hours=30))) == Window(T0, T0 + timedelta(days=2))
    assert day_aligned(Window(T0, T0 + timedelta(days=30)))
    assert not day_aligned(Window(T0, T0 + timedelta(hours=30)))


def test_partial_day_reload_refreshes_the_whole_day(warehouse_engine: sa.Engine) -> None:
    engine = warehouse_engine
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", Window(T0, T0 + timedelta(days=2)),
                  pod_rows("c1", T0, 48, scale=1000.0))
    before = rollup(engine)
    assert len(before) == 2 and list(before["pod_hours"]) == [72, 72]
    middle = Window(T0 + timedelta(hours=10), T0 + timedelta(hours=12))  # 2 hours of the first day, 5 pods
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", middle, pod_rows("c1", middle.start, 2, pods=5))
    after = rollup(engine)
    assert list(after["pod_hours"]) == [72 - 6 + 10, 72]
    assert after.iloc[1].equals(before.iloc[1])  # the other day is untouched
    assert_same(engine)


@given(loads=st.lists(st.tuples(st.integers(0, 100), st.integers(1, 30), st.sampled_from(["c1", "c2"]),
                                st.sampled_from(["synthetic", "prometheus"]), st.integers(0, 4),
                                st.sampled_from([1.0, 1000.0])), min_size=1, max_size=6))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_rollup_equals_the_pod_hours_after_any_loads(warehouse_engine: sa.Engine, loads) -> None:
    engine = warehouse_engine
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM pod_usage_hourly"))
        conn.execute(sa.text("DELETE FROM pod_usage_daily"))
    for offset, hours, cluster, source, pods, scale in loads:
        window = Window(T0 + timedelta(hours=offset), T0 + timedelta(hours=offset + hours))
        rows = pod_rows(cluster, window.start, hours if pods else 0, pods=pods or 1, source=source, scale=scale)
        replace_slice(engine, "pod_usage_hourly", source, cluster, window, rows)
    assert_same(engine)


def test_month_reads_from_the_rollup_equal_reads_from_pod_hours(warehouse_engine: sa.Engine) -> None:
    engine = warehouse_engine
    for cluster, scale in (("c1", 1000.0), ("c2", 1.0)):
        replace_slice(engine, "pod_usage_hourly", "synthetic", cluster, Window(T0, T0 + timedelta(days=3)),
                      pod_rows(cluster, T0, 72, scale=scale))
    days = Window(T0, T0 + timedelta(days=2))
    # The same hours read as whole days (the rollup) and as a window one hour short of midnight plus
    # the last hour (pod-hours): the sums must agree.
    hourly_part = Window(T0, days.end - timedelta(hours=1))
    last_hour = Window(hourly_part.end, days.end)
    assert day_aligned(days) and not day_aligned(hourly_part) and not day_aligned(last_hour)
    with engine.connect() as conn:
        whole = pd.DataFrame(conn.execute(usage_by_node_namespace(days, "synthetic")).all(), columns=USAGE_COLUMNS)
        split = pd.concat([pd.DataFrame(conn.execute(usage_by_node_namespace(w, "synthetic")).all(),
                                        columns=USAGE_COLUMNS) for w in (hourly_part, last_hour)])
    split = split.groupby(["cluster_id", "node", "namespace"], as_index=False).sum()
    pd.testing.assert_frame_equal(whole.sort_values("cluster_id", ignore_index=True),
                                  split.sort_values("cluster_id", ignore_index=True), rtol=1e-12)
    flat = effective_usage_by_namespace(engine, days, "synthetic")
    assert list(flat["pod_hours"]) == [144, 144]
    assert flat["cpu_effective_core_hours"].iloc[0] > flat["cpu_effective_core_hours"].iloc[1]


def test_failed_load_leaves_the_rollup_as_it_was(warehouse_engine: sa.Engine) -> None:
    """A transaction whose second slice fails while inserting stores neither slice nor any rollup change."""
    engine = warehouse_engine
    window = Window(T0, T0 + timedelta(days=1))
    replace_slice(engine, "pod_usage_hourly", "synthetic", "c1", window, pod_rows("c1", T0, 24))
    before = rollup(engine)
    good = prepare_slice("pod_usage_hourly", "synthetic", "c1", window, pod_rows("c1", T0, 24, scale=1000.0))
    bad = pod_rows("c2", T0, 4)
    bad["oom_kills"] = "not a number"  # passes the frame checks, refused by both engines while inserting
    with pytest.raises(Exception):  # noqa: B017 - the bulk paths raise each driver's own error type
        replace_slices(engine, [good, prepare_slice("pod_usage_hourly", "synthetic", "c2", window, bad)])
    pd.testing.assert_frame_equal(rollup(engine), before)
    assert_same(engine)


def test_upgrade_fills_the_rollup_from_pod_hours_stored_before_it(warehouse_url: str) -> None:
    """Migration 0004 sums the pod-hours a warehouse already holds, so month reads from the rollup
    do not lose the months collected before it existed."""
    engine = create_warehouse_engine(warehouse_url)
    try:
        upgrade(engine, "0003")
        start = T0 + timedelta(hours=5)  # 19 hours of the first day, 21 of the second
        with engine.begin() as conn:
            for cluster, source, scale in (("c1", "synthetic", 1000.0), ("c2", "prometheus", 1.0)):
                rows = pod_rows(cluster, start, 40, source=source, scale=scale)
                insert_rows(conn, pod_usage_hourly, conform_frame(pod_usage_hourly, rows))
        upgrade(engine)
        assert list(rollup(engine)["pod_hours"]) == [19 * 3, 19 * 3, 21 * 3, 21 * 3]
        assert_same(engine)
    finally:
        engine.dispose()
