"""Reports as CSV, JSON and xlsx: what is written, to a path or a stream."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd

from chargeback.stored import DiffRow, StoredStatement
from reports.frame import FrameReport
from reports.render import render
from reports.render.xlsx import MONEY_FORMAT, SHEETS
from reports.restatement import RestatementChanges
from reports.statement import statement_report
from tests.reports.conftest import TOTAL


def text(report: object, fmt: str) -> str:
    out = io.StringIO()
    render(report, fmt, out)
    return out.getvalue()


def test_statement_csv_is_the_lines(stored: StoredStatement, tmp_path: Path) -> None:
    target = tmp_path / "s.csv"
    render(statement_report(stored), "csv", target)
    lines = pd.read_csv(target, dtype={"amount": str})
    assert list(lines.columns) == list(stored.lines.columns)
    assert sum(Decimal(a) for a in lines["amount"]) == TOTAL
    assert target.read_text() == text(statement_report(stored), "csv")


def test_statement_json(stored: StoredStatement) -> None:
    payload = json.loads(text(statement_report(stored, "CTI"), "json"))
    assert list(payload) == ["statement", "sector", "lines", "efficiency", "entitlement", "pools"]
    head = payload["statement"]
    assert (head["version"], head["supersedes_version"], head["stale"], payload["sector"]) == (2, 1, False, "CTI")
    assert (head["total_amount"], head["computed_at"], head["closed_at"]) == (
        "130.00", "2026-10-01T12:00:00.250000", "2026-10-01T12:05:00")
    assert head["completeness"]["ocp-b"] == {"collected_hours": 700, "complete": False, "expected_hours": 720,
                                             "failed_runs": 1, "node_hours": 720, "ratio": 0.9722}
    assert head["diff"][0] == {"sector_id": "CTI", "cluster_id": "ocp-a", "namespace": "ns-one", "cost_type": "cpu",
                               "old": "29.00", "new": "30.00", "change": "1.00"}
    assert len(payload["lines"]) == len(stored.lines) and payload["lines"][2]["application"] is None
    assert payload["lines"][0]["amount"] == "30.00" and payload["efficiency"][1]["cpu_efficiency"] is None
    assert payload["pools"][0] == {"month": "2026-09", "version": 2, "cluster_id": "ocp-a", "pool": "hardware",
                                   "amount": "100.00", "basis": "pool hardware"}


def test_changes_json() -> None:
    rows = (DiffRow("ICG", "logging", Decimal("1.00"), Decimal("0.50"), Decimal("-0.50"), "ocp-b", "ns"),)
    sectors = (DiffRow("ICG", "logging", Decimal("1.00"), Decimal("0.50"), Decimal("-0.50")),)
    payload = json.loads(text(RestatementChanges(rows, sectors, "USD"), "json"))
    assert payload == {"namespaces": [r.as_dict() for r in rows], "sectors": [r.as_dict() for r in sectors]}
    assert payload["sectors"][0] == {"sector_id": "ICG", "cost_type": "logging", "old": "1.00", "new": "0.50",
                                     "change": "-0.50"}


def test_frame_csv_and_json() -> None:
    frame = pd.DataFrame({"sector_id": ["CTI"], "total_cost": [Decimal("10.50")],
                          "at": [pd.Timestamp("2026-10-01 12:00")]})
    assert text(FrameReport(frame), "csv") == "sector_id,total_cost,at\nCTI,10.50,2026-10-01 12:00:00\n"
    assert json.loads(text(FrameReport(frame), "json")) == [
        {"sector_id": "CTI", "total_cost": "10.50", "at": "2026-10-01T12:00:00.000"}]


def test_statement_xlsx(stored: StoredStatement, tmp_path: Path) -> None:
    report = statement_report(stored)
    target = tmp_path / report.filename("xlsx")
    render(report, "xlsx", target)
    book = openpyxl.load_workbook(target)
    assert tuple(book.sheetnames) == SHEETS
    head = {f.value: v for f, v in book["statement"].iter_rows(min_row=2)}
    assert head["version"].value == 2 and head["supersedes_version"].value == 1
    assert head["total_amount"].value == 130.0 and head["total_amount"].number_format == MONEY_FORMAT
    assert head["computed_at"].value == "2026-10-01T12:00:00.250000" and head["stale"].value is False
    assert "completeness" not in head and "diff" not in head
    summary = book["summary"]
    assert [c.value for c in summary[1]][-1] == "amount"
    assert {c.number_format for (c,) in summary.iter_rows(min_row=2, min_col=7, max_col=7)} == {MONEY_FORMAT}
    lines = book["lines"]
    columns = [c.value for c in lines[1]]
    formats = {name: cell.number_format for name, cell in zip(columns, lines[2], strict=True)}
    assert formats["amount"] == formats["pool_amount"] == MONEY_FORMAT and formats["rate"] == "General"
    assert sum(row[columns.index("amount")].value for row in lines.iter_rows(min_row=2)) == float(TOTAL)
    assert [[c.value for c in row] for row in book["completeness"].iter_rows()] == [
        ["cluster_id", "collected_hours", "complete", "expected_hours", "failed_runs", "node_hours", "ratio"],
        ["ocp-a", 720, True, 720, 0, 720, 1], ["ocp-b", 700, False, 720, 1, 720, 0.9722]]

    stream = io.BytesIO()  # as a download writes it
    render(report, "xlsx", stream)
    again = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    for name in SHEETS:
        assert [[c.value for c in r] for r in again[name].iter_rows()] == \
            [[c.value for c in r] for r in book[name].iter_rows()]
