"""A small stored statement, built by hand: two clusters, two sectors, a restated version.

- ``ocp-a`` has only CTI; ``ocp-b`` is shared by CTI and ICG and missed 20 hours (one failed run).
- Version 2 restates version 1 ("late logs"): CTI's ``ns-one`` CPU rose by 1.00, ICG's ``ns-three``
  logging fell by 0.25.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from chargeback.stored import ClusterCompleteness, DiffRow, StatementHeader, StoredStatement
from warehouse import statements as store
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.schema import chargeback_result, sector

MONTH = "2026-09"
D = Decimal

LINE_COLUMNS = ["month", "version", "line_no", "sector_id", "cluster_id", "namespace", "application",
                "cost_centre", "cost_type", "pool", "quantity", "unit", "rate", "pool_amount", "share", "basis",
                "amount"]
LINES = [  # sector, cluster, namespace, application, cost centre, cost type, pool, quantity, unit, rate, amount
    ("CTI", "ocp-a", "ns-one", "one", "CC-1", "cpu", "hardware", 10.0, "core-hours", None, D("30.00")),
    ("CTI", "ocp-a", "ns-one", "one", "CC-1", "memory", "hardware", 40.0, "GiB-hours", None, D("20.00")),
    ("CTI", "ocp-a", "(idle)", None, None, "idle", "hardware", 5.0, "idle core-hours", None, D("50.00")),
    ("CTI", "ocp-b", "ns-two", "two", "CC-2", "storage", "storage", 5.0, "GiB-months", D("2.00"), D("10.00")),
    ("ICG", "ocp-b", "ns-three", None, None, "cpu", "hardware", 3.0, "core-hours", None, D("15.50")),
    ("ICG", "ocp-b", "ns-three", None, None, "cpu", "vmware-licence", 3.0, "core-hours", None, D("4.25")),
    ("ICG", "ocp-b", "ns-three", None, None, "logging", "logging", 1.0, "GB", D("0.25"), D("0.25")),
]
POOLS = [("ocp-a", "hardware", D("100.00")), ("ocp-b", "logging", D("0.25")), ("ocp-b", "backup", D("1.00")),
         ("ocp-b", "storage", D("10.00")), ("ocp-b", "vmware-licence", D("4.25")), ("ocp-b", "hardware", D("15.50"))]
EFFICIENCY = [  # cluster, namespace, sector, cpu efficiency, memory efficiency, charged, wasted
    ("ocp-a", "ns-one", "CTI", 0.5, 0.25, D("50.00"), D("20.00")),
    ("ocp-b", "ns-two", "CTI", None, None, D("0.00"), D("0.00")),
    ("ocp-b", "ns-three", "ICG", 0.9, 1.0, D("19.75"), D("1.50")),
]
TOTAL = sum((line[-1] for line in LINES), D(0))


def lines_frame(version: int = 2) -> pd.DataFrame:
    """The lines of a version: in version 1, ``ns-one``'s CPU is 1.00 cheaper and the logging 0.25 dearer."""
    rows = []
    for number, (s, c, ns, app, cc, ct, pool, q, unit, rate, amount) in enumerate(LINES, start=1):
        if version == 1 and number == 1:
            amount -= D("1.00")
        if version == 1 and ct == "logging":
            amount += D("0.25")
        rows.append((MONTH, version, number, s, c, ns, app, cc, ct, pool, q, unit, rate,
                     None if rate is not None else amount * 2, None if rate is not None else 0.5,
                     f"line {number}", amount))
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def header(version: int = 2, **changes: object) -> StatementHeader:
    fields: dict[str, object] = dict(
        month=MONTH, version=version, model="pools", mode="chargeback", status="closed",
        price_list_version="2026.1", price_list_digest="p" * 64, facts_digest="f" * 64, currency="USD",
        total_amount=TOTAL, computed_at=datetime(2026, 10, 1, 12, 0, 0, 250000),
        closed_at=datetime(2026, 10, 1, 12, 5), supersedes_version=1, reason="late logs",
        diff=(DiffRow("CTI", "cpu", D("29.00"), D("30.00"), D("1.00"), "ocp-a", "ns-one"),
              DiffRow("ICG", "logging", D("0.50"), D("0.25"), D("-0.25"), "ocp-b", "ns-three")),
        completeness={"ocp-a": ClusterCompleteness(720, 720, 720, 0, 1.0, True),
                      "ocp-b": ClusterCompleteness(720, 700, 720, 1, 0.9722, False)})
    fields.update(changes)
    return StatementHeader(**fields)


def stored_statement(version: int = 2, **changes: object) -> StoredStatement:
    lines = lines_frame(version)
    efficiency = pd.DataFrame(
        [(MONTH, version, c, ns, s, 1.0, 2.0, 3.0, 4.0, ce, me, ch, w) for c, ns, s, ce, me, ch, w in EFFICIENCY],
        columns=["month", "version", "cluster_id", "namespace", "sector_id", "cpu_usage_core_hours",
                 "cpu_request_core_hours", "memory_usage_gib_hours", "memory_request_gib_hours", "cpu_efficiency",
                 "memory_efficiency", "charged_amount", "wasted_amount"])
    entitlement = pd.DataFrame(
        [(MONTH, version, "CTI", "cpu", 8.0, 6.5, 1234.5, D("12.34"), "8 cores bought")],
        columns=["month", "version", "sector_id", "resource", "purchased", "requested", "used", "unused_amount",
                 "basis"])
    pools = pd.DataFrame([(MONTH, version, c, p, a, f"pool {p}") for c, p, a in POOLS],
                         columns=["month", "version", "cluster_id", "pool", "amount", "basis"])
    return StoredStatement(header(version, **changes), lines, efficiency, entitlement, False, pools)


@pytest.fixture
def stored() -> StoredStatement:
    return stored_statement()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A DuckDB warehouse holding the statement's two versions (version 1 superseded by version 2), two
    sectors and the cost page's results for the month."""
    path: Path = tmp_path_factory.mktemp("reports") / "wh.duckdb"
    engine = create_warehouse_engine(f"duckdb:///{path}")
    upgrade(engine)
    first = stored_statement(1, supersedes_version=None, reason="month close", diff=None,
                             total_amount=TOTAL - D("1.00") + D("0.25"))
    for version, supersede in ((first, None), (stored_statement(), 1)):
        frames = (version.lines, version.efficiency, version.entitlement, version.pools)
        store.write_version(engine, version.header.row(), *frames, supersede=supersede)
    with engine.begin() as conn:
        conn.execute(sector.insert(), [{"sector_id": "CTI", "name": "Corporate technology"},
                                       {"sector_id": "ICG", "name": "Institutional clients"},
                                       {"sector_id": "PBWM", "name": "Private banking"}])
        conn.execute(chargeback_result.insert(), [
            {"month": MONTH, "model": "pools", "cluster_id": c, "namespace": ns, "sector_id": s,
             "cpu_effective_core_hours": 1.0, "memory_effective_gib_hours": 2.0, "cpu_cost": D(cpu),
             "memory_cost": D("0"), "total_cost": D(cpu), "currency": "USD", "computed_at": datetime(2026, 10, 1)}
            for c, ns, s, cpu in (("ocp-a", "ns-one", "CTI", "30.00"), ("ocp-b", "ns-two", "CTI", "10.00"),
                                  ("ocp-b", "ns-three", "ICG", "19.75"))])
    yield engine
    engine.dispose()
