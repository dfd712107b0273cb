"""The pod dimension on both real engines: label and workload updates, first/last seen merged as min/max."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from warehouse.load import load_dimensions, upsert_dimension
from warehouse.schema import pod

T = datetime(2026, 9, 1)


def rows(engine: sa.Engine) -> dict[str, tuple]:
    p = pod.c
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(
            sa.select(p.pod, p.workload, p.labels, p.first_seen, p.last_seen).order_by(p.pod))}


def batch(pods: list[str], first: list[datetime | None], last: list[datetime | None],
          labels: list[dict[str, str]] | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "cluster_id": "c1", "namespace": "ns", "pod": pods, "workload": "web", "workload_kind": "Deployment",
        "labels": [json.dumps(lab, sort_keys=True) for lab in (labels or [{"app": "web"}] * len(pods))],
        "first_seen": pd.Series(first, dtype="datetime64[us]"), "last_seen": pd.Series(last, dtype="datetime64[us]"),
    })


def test_first_and_last_seen_widen_whatever_order_windows_load_in(warehouse_engine: sa.Engine) -> None:
    h = [T.replace(hour=i) for i in range(24)]
    # A later window first, then an earlier one, then one inside: the stored lifetime only widens.
    load_dimensions(warehouse_engine, {"pod": batch(["a", "b"], [h[10], h[12]], [h[15], h[12]])})
    load_dimensions(warehouse_engine, {"pod": batch(["a"], [h[2]], [h[5]], [{"app": "web", "version": "2"}])})
    upsert_dimension(warehouse_engine, "pod", batch(["a", "b"], [h[11], None], [h[20], None]))
    got = rows(warehouse_engine)
    assert got["a"][2:] == (h[2], h[20])
    assert got["b"][2:] == (h[12], h[12])  # unknown (NULL) bounds keep what is stored
    # Labels are the latest batch's (a pod's labels can be edited in place).
    assert json.loads(got["a"][1]) == {"app": "web"}


def test_a_batch_without_seen_columns_keeps_them(warehouse_engine: sa.Engine) -> None:
    load_dimensions(warehouse_engine, {"pod": batch(["keep"], [T], [T.replace(hour=3)])})
    frame = batch(["keep"], [None], [None], [{"app": "other"}]).drop(columns=["first_seen", "last_seen"])
    upsert_dimension(warehouse_engine, "pod", frame)
    assert rows(warehouse_engine)["keep"] == ("web", json.dumps({"app": "other"}), T, T.replace(hour=3))
