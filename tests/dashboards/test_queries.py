"""warehouse.queries on real engines: DuckDB file, and PostgreSQL when its binaries exist."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from tests.dashboards import sample
from warehouse.queries import (
    NAMESPACE_COLUMNS,
    SECTOR_MONTH_COLUMNS,
    chargeback_models,
    chargeback_months,
    cost_by_namespace,
    cost_by_sector_month,
)
from warehouse.schema import chargeback_result


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    sample.load(any_engine)
    return any_engine


def test_months_and_models(engine: Engine) -> None:
    assert chargeback_months(engine) == ["2025-01", "2025-02", "2025-03"]
    assert chargeback_months(engine, "usage") == ["2025-03"]
    assert chargeback_months(engine, "no-such-model") == []
    assert chargeback_models(engine) == ["flat", "usage"]


def test_empty_warehouse_gives_empty_results(any_engine: Engine) -> None:
    assert chargeback_months(any_engine) == []
    frame = cost_by_sector_month(any_engine)
    assert list(frame.columns) == list(SECTOR_MONTH_COLUMNS)
    assert frame.empty
    frame = cost_by_namespace(any_engine, "2025-03", "CTI")
    assert list(frame.columns) == list(NAMESPACE_COLUMNS)
    assert frame.empty


def test_sector_month_sums_are_exact_decimals(engine: Engine) -> None:
    frame = cost_by_sector_month(engine)
    assert list(frame.columns) == list(SECTOR_MONTH_COLUMNS)
    keyed = {(r["month"], r["sector_id"]): r for r in frame.to_dict("records")}
    assert sorted(keyed) == [
        ("2025-01", "CTI"), ("2025-01", "PBWM"),
        ("2025-02", "CTI"), ("2025-02", "ICG"), ("2025-02", "PBWM"),
        ("2025-03", "CTI"), ("2025-03", "GFTS"), ("2025-03", "ICG"), ("2025-03", "UNALLOCATED"),
    ]
    cti = keyed[("2025-03", "CTI")]
    for col in ("cpu_cost", "memory_cost", "total_cost"):
        assert isinstance(cti[col], Decimal), col
    # Exact sums of the inserted lines (a float sum of the memory cost is 234568.19499999998).
    assert cti["cpu_cost"] == Decimal("3000000.304")
    assert cti["memory_cost"] == Decimal("234568.195")
    assert cti["total_cost"] == Decimal("3234568.499")
    assert cti["namespaces"] == 3
    assert cti["cpu_effective_core_hours"] == pytest.approx(3600000.75)
    assert cti["memory_effective_gib_hours"] == pytest.approx(4900001.0)
    assert cti["currency"] == "USD"
    # The "usage" model's line is not counted.
    assert keyed[("2025-03", "ICG")]["total_cost"] == Decimal("2175000.00")
    assert keyed[("2025-02", "PBWM")]["total_cost"] == Decimal("1020012.00")
    assert keyed[("2025-02", "PBWM")]["namespaces"] == 2


def test_sector_names(engine: Engine) -> None:
    frame = cost_by_sector_month(engine, first_month="2025-03", last_month="2025-03")
    names = dict(zip(frame["sector_id"], frame["sector_name"], strict=True))
    assert names == {
        "CTI": "Technology Infrastructure",
        "ICG": "Institutional Clients",
        "GFTS": "GFTS",  # not in the sector table: its code stands in
        "UNALLOCATED": "Unallocated",
    }


def test_month_range(engine: Engine) -> None:
    assert set(cost_by_sector_month(engine, first_month="2025-02")["month"]) == {"2025-02", "2025-03"}
    assert set(cost_by_sector_month(engine, last_month="2025-02")["month"]) == {"2025-01", "2025-02"}
    assert len(cost_by_sector_month(engine)) == 9
    one = cost_by_sector_month(engine, first_month="2025-02", last_month="2025-02")
    assert sorted(one["sector_id"]) == ["CTI", "ICG", "PBWM"]
    usage = cost_by_sector_month(engine, "usage")
    assert usage["total_cost"].tolist() == [Decimal("999.99")]


def test_namespaces_of_a_sector_by_cost(engine: Engine) -> None:
    frame = cost_by_namespace(engine, "2025-03", "CTI")
    assert list(frame.columns) == list(NAMESPACE_COLUMNS)
    assert frame["namespace"].tolist() == ["web-portal", "payments-api", "risk-batch"]
    assert frame["cluster_name"].tolist() == ["shared-prod", "cti-prod-east", "cti-prod-east"]
    assert frame["total_cost"].tolist() == [Decimal("2000000.50"), Decimal("1234567.994"), Decimal("0.005")]
    assert all(isinstance(v, Decimal) for v in frame["cpu_cost"])
    first = frame.iloc[0]
    assert (first["application"], first["cost_centre"], first["currency"]) == ("portal", "CC-101", "USD")
    assert first["cpu_effective_core_hours"] == pytest.approx(2400000.0)
    assert sum(frame["total_cost"], Decimal(0)) == Decimal("3234568.499")


def test_namespaces_filter_month_sector_and_model(engine: Engine) -> None:
    assert cost_by_namespace(engine, "2025-02", "PBWM")["namespace"].tolist() == ["wealth-web", "wealth-batch"]
    unallocated = cost_by_namespace(engine, "2025-03", "UNALLOCATED")
    assert unallocated["namespace"].tolist() == ["orphan-ns"]
    assert unallocated["application"].tolist() == [None]
    assert cost_by_namespace(engine, "2025-01", "ICG").empty
    assert cost_by_namespace(engine, "2025-03", "CTI", "usage")["total_cost"].tolist() == [Decimal("999.99")]


def test_quantities_keep_double_precision(any_engine: Engine) -> None:
    """Core-hours above 2**24 need more than a 32-bit float to keep their fraction."""
    rows = sample.line_rows()[:1]
    rows[0]["cpu_effective_core_hours"] = 4800000.25
    with any_engine.begin() as conn:
        conn.execute(insert(chargeback_result), rows)
    frame = cost_by_namespace(any_engine, rows[0]["month"], rows[0]["sector_id"])
    assert frame["cpu_effective_core_hours"].tolist() == [4800000.25]
