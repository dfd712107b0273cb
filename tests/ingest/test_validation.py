"""The load's validation step: impossible values are refused by name, valid batches pass unchanged."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.prometheus.frames import _counts
from ingest.validate import check_batch, check_capacity, numeric_columns, summary, upper_bound
from tests.support.frames import T0, pod_rows
from warehouse.schema import FACT_TABLES, time_column

TABLES = sorted(FACT_TABLES)
BAD = [-1.0, -1e6, -0.001, math.inf, -math.inf, 1e308, math.nan]


def valid_frame(table: sa.Table, rows: int, values: dict[str, list[float]] | None = None) -> pd.DataFrame:
    """Rows of ``table`` with labels, the table's time key and a small valid value in every number."""
    data: dict[str, object] = {}
    for col in table.c:
        if col.name == time_column(table):
            data[col.name] = pd.date_range(T0, periods=rows, freq="h")
        elif col in numeric_columns(table):
            data[col.name] = (values or {}).get(col.name, [1.0] * rows)
        else:
            data[col.name] = [f"{col.name}-{i}" for i in range(rows)]
    return pd.DataFrame(data)


@given(table=st.sampled_from(TABLES), rows=st.integers(1, 6), data=st.data())
@settings(max_examples=200, deadline=None)
def test_any_impossible_value_is_rejected_by_name(table: str, rows: int, data: st.DataObject) -> None:
    t = FACT_TABLES[table]
    column = data.draw(st.sampled_from(numeric_columns(t)), label="column")
    bad = data.draw(st.sampled_from(BAD if not column.nullable else [b for b in BAD if not math.isnan(b)]))
    row = data.draw(st.integers(0, rows - 1), label="row")
    frame = valid_frame(t, rows)
    frame[column.name] = frame[column.name].astype("float64")
    frame.loc[row, column.name] = bad
    checked = check_batch(table, frame)
    assert len(checked.frame) == rows - 1 and row not in checked.frame.index
    [rejection] = checked.rejections
    assert (rejection.table, rejection.column) == (table, column.name)
    assert rejection.value == bad or (math.isnan(bad) and math.isnan(rejection.value))
    text = str(rejection)
    assert f"{table}.{column.name}=" in text and f"{time_column(t)}=" in text
    scope = "cluster_id" if "cluster_id" in t.c else "vcenter"
    assert f"{scope}={scope}-{row}" in text


@given(table=st.sampled_from(TABLES), rows=st.integers(0, 6), data=st.data())
@settings(max_examples=200, deadline=None)
def test_valid_frames_pass_unchanged(table: str, rows: int, data: st.DataObject) -> None:
    t = FACT_TABLES[table]
    values = {}
    for col in numeric_columns(t):
        top = min(upper_bound(t, col)[0], 1e15)
        item = (st.integers(0, int(top)).map(float) if isinstance(col.type, sa.Integer)
                else st.floats(0, top, allow_nan=False))
        values[col.name] = data.draw(st.lists(item, min_size=rows, max_size=rows), label=col.name)
    frame = valid_frame(t, rows, values)
    checked = check_batch(table, frame)
    assert checked.rejections == []
    pd.testing.assert_frame_equal(checked.frame, frame)


def test_column_bounds_follow_units_and_types() -> None:
    pods, logs = FACT_TABLES["pod_usage_hourly"], FACT_TABLES["log_volume_hourly"]
    assert upper_bound(pods, pods.c.pod_seconds)[0] == 3600
    assert upper_bound(pods, pods.c.oom_kills) == (2**31 - 1, "does not fit Integer")
    assert upper_bound(logs, logs.c.documents)[1] == "does not fit BigInteger"
    assert upper_bound(pods, pods.c.memory_usage_byte_seconds)[0] == 3600 * 2.0**56
    frame = pod_rows("c1", T0, 1, pods=2)
    frame.loc[0, "pod_seconds"] = 3601.0
    frame["oom_kills"] = [0.0, 2.5]
    checked = check_batch("pod_usage_hourly", frame)
    assert checked.frame.empty
    assert [(r.column, r.rule) for r in checked.rejections] == [
        ("pod_seconds", "above 3600 seconds in an hour"), ("oom_kills", "not an integer")]


def test_a_required_value_that_is_empty_or_not_a_number_is_refused() -> None:
    frame = pod_rows("c1", T0, 1, pods=3)
    frame["cpu_usage_core_seconds"] = frame["cpu_usage_core_seconds"].astype(object)
    frame.loc[0, "cpu_usage_core_seconds"] = "lots"
    frame.loc[1, "cpu_usage_core_seconds"] = None
    checked = check_batch("pod_usage_hourly", frame)
    assert list(checked.frame["pod"]) == ["pod-2"]
    assert {r.labels[2] for r in checked.rejections} == {("pod", "pod-0"), ("pod", "pod-1")}


def test_pod_usage_above_its_nodes_capacity_is_refused() -> None:
    pods = pod_rows("c1", T0, 2, pods=2)
    pods["node"] = ["w1", "w1", "w1", "w2"]
    pods.loc[1, "cpu_usage_core_seconds"] = 8 * 3600 * 1.2   # 9.6 cores on an 8-core node
    pods.loc[3, "cpu_usage_core_seconds"] = 1e9              # node w2 has no row: not judged here
    nodes = pd.DataFrame({"hour": pd.date_range(T0, periods=2, freq="h"), "cluster_id": "c1", "node": "w1",
                          "cpu_capacity_core_seconds": 8 * 3600.0, "memory_capacity_byte_seconds": 3600 * 2.0**35})
    checked = check_capacity(pods, nodes)
    assert list(checked.frame.index) == [0, 2, 3]
    [rejection] = checked.rejections
    assert rejection.column == "cpu_usage_core_seconds" and "node's capacity 28800" in rejection.rule
    assert dict(rejection.labels)["node"] == "w1" and dict(rejection.labels)["hour"] == str(pd.Timestamp(T0))


def test_the_summary_names_the_first_rejections_and_counts_the_rest() -> None:
    frame = pod_rows("c1", T0, 1, pods=12)
    frame["memory_usage_byte_seconds"] = -1.0
    frame.loc[11, "memory_usage_byte_seconds"] = 1.0
    frame.loc[11, "pod_seconds"] = 4000.0
    text = summary(check_batch("pod_usage_hourly", frame).rejections)
    assert text.startswith("rejected 12 rows with impossible values: pod_usage_hourly.memory_usage_byte_seconds=-1.0 "
                           "(negative) at cluster_id=c1, namespace=ns, pod=pod-0, node=w1, hour=2026-09-01 00:00:00; "
                           "pod_usage_hourly.pod_seconds=4000.0 (above 3600 seconds in an hour) at cluster_id=c1, "
                           "namespace=ns, pod=pod-11")
    assert text.endswith("; and 4 more")


def test_a_count_no_integer_column_holds_stays_a_float_for_the_validation_to_name() -> None:
    assert str(_counts(pd.Series([1.2, np.nan])).dtype) == "Int64"
    huge = _counts(pd.Series([1e308, 2.0]))
    assert huge.dtype == "float64" and huge.iloc[0] == 1e308
    frame = pod_rows("c1", datetime(2026, 9, 1), 1, pods=2)
    frame["oom_kills"] = huge.to_numpy()
    [rejection] = check_batch("pod_usage_hourly", frame).rejections
    assert (rejection.column, rejection.value, rejection.rule) == ("oom_kills", 1e308, "does not fit Integer")


@pytest.mark.parametrize("table", TABLES)
def test_every_fact_table_has_a_bound_for_every_number(table: str) -> None:
    t = FACT_TABLES[table]
    # a rule of its unit or type, not only the catch-all ceiling
    assert [c.name for c in numeric_columns(t) if upper_bound(t, c)[1] == "above 2^63"] == []


def test_a_frame_with_repeated_index_labels_names_the_right_row() -> None:
    frame = pd.concat([pod_rows("c1", T0, 1, pods=2), pod_rows("c2", T0, 1, pods=2)])  # index 0, 1, 0, 1
    frame["cluster_id"] = ["c1", "c1", "c2", "c2"]
    frame.iloc[2, frame.columns.get_loc("pod_seconds")] = -5.0
    checked = check_batch("pod_usage_hourly", frame)
    assert len(checked.frame) == 3 and dict(checked.rejections[0].labels)["cluster_id"] == "c2"
