"""read_frame gives the frame SQLAlchemy rows would give, on both real engines (DuckDB takes its own
column-wise path)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from common.windows import Window
from tests.support.frames import T0, pod_rows
from warehouse.engine import read_frame
from warehouse.load import replace_slice
from warehouse.schema import pod_usage_hourly


def test_read_frame_equals_sqlalchemy_rows(warehouse_engine: sa.Engine) -> None:
    engine = warehouse_engine
    for cluster in ("c1", "c2", "c3"):
        rows = pod_rows(cluster, T0, 4).assign(workload=[None, "app"] * 6)
        replace_slice(engine, "pod_usage_hourly", "synthetic", cluster, Window(T0, T0 + timedelta(hours=4)), rows)
    p = pod_usage_hourly.c
    # An IN list, a bound comparison and a bound value in the select list: every kind of parameter.
    query = (sa.select(p.cluster_id, p.workload, (sa.func.sum(p.cpu_usage_core_seconds) / 3600.0).label("cpu"))
             .where(p.cluster_id.in_(["c1", "c3"]), p.hour >= T0 + timedelta(hours=1))
             .group_by(p.cluster_id, p.workload).order_by(p.cluster_id, p.workload))
    columns = ["cluster_id", "workload", "cpu"]
    with engine.connect() as conn:
        got = read_frame(conn, query, columns)
        want = [tuple(row) for row in conn.execute(query).all()]
    assert list(got.columns) == columns and got["workload"].dtype == object  # Python strings, NULL as None
    assert [tuple(row) for row in got.itertuples(index=False)] == want
    assert [row[0] for row in want] == ["c1", "c1", "c3", "c3"] and [row[1] for row in want].count(None) == 2
