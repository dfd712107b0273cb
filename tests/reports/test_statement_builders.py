"""The statement's builders on a small stored statement: summary, pools by cluster, largest waste,
entitlement, and the report that gathers them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pandas as pd

from chargeback.stored import StoredStatement
from reports.statement import (
    ENTITLEMENT_COLUMNS,
    SUMMARY_KEYS,
    SectorShare,
    entitlement,
    largest_waste,
    pools_by_cluster,
    pools_report,
    statement_report,
    summary,
)
from tests.reports.conftest import TOTAL

D = Decimal


def test_summary_sums_lines_over_pools_per_namespace_and_cost_type(stored: StoredStatement) -> None:
    result = summary(stored.lines)
    assert list(result.rows.columns) == [*SUMMARY_KEYS, "amount"]
    rows = {tuple(r[:-1]): r[-1] for r in result.rows.itertuples(index=False)}
    assert rows[("ICG", "ocp-b", "ns-three", "", "", "cpu")] == D("19.75")  # hardware + vmware-licence
    assert len(rows) == 6 and list(result.rows["sector_id"]) == sorted(result.rows["sector_id"])
    assert result.total == TOTAL == sum(rows.values())
    assert result.by_sector == (SectorShare("CTI", D("110.00"), D("110.00") / TOTAL),
                                SectorShare("ICG", D("20.00"), D("20.00") / TOTAL))


def test_summary_of_no_lines(stored: StoredStatement) -> None:
    result = summary(stored.lines.iloc[0:0])
    assert result.rows.empty and list(result.rows.columns) == [*SUMMARY_KEYS, "amount"]
    assert (result.total, result.by_sector) == (D(0), ())


def test_pools_by_cluster_orders_pools_and_adds_totals(stored: StoredStatement) -> None:
    frame = pools_by_cluster(stored.pools)
    assert list(frame.columns) == ["cluster_id", "hardware", "vmware-licence", "storage", "logging", "backup", "total"]
    assert list(frame["cluster_id"]) == ["ocp-a", "ocp-b", "total"]
    a, b, total = (frame.iloc[i].to_dict() for i in range(3))
    assert a == {"cluster_id": "ocp-a", "hardware": D("100.00"), "vmware-licence": D(0), "storage": D(0),
                 "logging": D(0), "backup": D(0), "total": D("100.00")}
    assert b["total"] == D("31.00") and total["total"] == D("131.00") and total["hardware"] == D("115.50")


def test_pools_report_titles_and_notes_a_version_without_pools(stored: StoredStatement) -> None:
    assert pools_report(stored).title == "cost pools by cluster (USD)"
    assert pools_report(stored, "ICG").title == "cost pools of the clusters ICG has lines on, whole (USD)"
    assert pools_report(stored).missing_note is None
    old = replace(stored, pools=stored.pools.iloc[0:0])
    report = pools_report(old)
    assert report.missing_note is not None and "version 2" in report.missing_note
    assert report.frame.to_dict("records") == [{"cluster_id": "total", "total": D(0)}]


def test_largest_waste_first(stored: StoredStatement) -> None:
    waste = largest_waste(stored.efficiency, top=2)
    assert list(waste["namespace"]) == ["ns-one", "ns-three"]
    assert len(largest_waste(stored.efficiency)) == 3


def test_entitlement_shows_the_columns_a_reader_needs(stored: StoredStatement) -> None:
    frame = entitlement(stored)
    assert list(frame.columns) == ENTITLEMENT_COLUMNS
    assert frame.iloc[0]["unused_amount"] == D("12.34")


def test_statement_report_gathers_the_builders(stored: StoredStatement) -> None:
    report = statement_report(stored, "CTI")
    assert report.header is stored.header and report.sector == "CTI"
    assert report.summary.total == TOTAL
    assert report.pools.title.startswith("cost pools of the clusters CTI")
    pd.testing.assert_frame_equal(report.waste, largest_waste(stored.efficiency))
    assert report.completeness.clusters == 2
    assert report.restatement is not None and report.restatement.net == (("CTI", D("1.00")),)
    assert report.filename("xlsx") == "statement-2026-09-CTI.xlsx"
    assert statement_report(stored).filename("csv") == "statement-2026-09.csv"
