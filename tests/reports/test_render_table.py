"""Reports as rich tables: the statement, a restatement's changes, a frame."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd

from chargeback.stored import DiffRow, StoredStatement
from reports.frame import FrameReport
from reports.render import render
from reports.restatement import RestatementChanges
from reports.statement import statement_report


def table(report: object) -> str:
    out = io.StringIO()
    render(report, "table", out)
    return out.getvalue()


def test_statement_table(stored: StoredStatement) -> None:
    text = table(statement_report(replace(stored, stale=True)))
    lines = text.splitlines()
    assert lines[0] == "CHARGEBACK statement 2026-09 version 2 (closed), model pools, price list 2026.1"
    assert lines[1].startswith("the facts or prices changed since this month was closed")
    assert lines[2] == ("restates version 1 (late logs): 2 namespace row(s) changed, net per sector: "
                        "CTI +1.00; ICG -0.25")
    assert any("ns-three" in line and "19.75" in line for line in lines)
    assert any(line.split()[1:2] == ["total"] and "130.00 USD" in line for line in lines)
    by_sector = text.split("totals by sector (USD)")[1].split("entitlement (monthly averages)")[0]
    shares = [line.split() for line in by_sector.splitlines() if "│" in line]
    assert [(s[1], s[3], s[5]) for s in shares] == [("CTI", "110.00", "84.6%"), ("ICG", "20.00", "15.4%")]
    assert any(line.split()[1:3] == ["CTI", "│"] and "12.34" in line and "1,234.50" in line for line in lines)
    waste = text.split("largest waste: requested but unused (top 10)")[1]
    assert [[c.strip() for c in row.split("│")[3:7]] for row in waste.splitlines() if "ns-" in row] == [
        ["ns-one", "50%", "25%", "20.00"], ["ns-three", "90%", "100%", "1.50"], ["ns-two", "-", "-", "0.00"]]
    assert "cost pools by cluster (USD)" in text and "backup" in text
    assert lines[-1] == "data completeness: 1 of 2 clusters complete; ocp-b: 97.2% of hours, 1 failed runs"
    assert max(map(len, lines)) <= 200  # piped: 200 columns


def test_statement_table_for_a_sector_in_showback(stored: StoredStatement) -> None:
    shown = replace(stored, header=replace(stored.header, mode="showback"), pools=stored.pools.iloc[0:0])
    text = table(statement_report(shown, "ICG"))
    assert text.startswith("SHOWBACK (informational, not an invoice) statement 2026-09 version 2 (closed), "
                           "model pools, price list 2026.1, sector ICG\n")
    assert "net per sector: ICG -0.25" in text and "facts or prices changed" not in text
    assert "cost pools of the clusters ICG has lines on, whole (USD)" in text
    assert "no cost pools are stored with version 2" in text


def test_changes_table() -> None:
    rows = (DiffRow("ICG", "logging", Decimal("1000.00"), Decimal("2500.50"), Decimal("1500.50"), "ocp-b", "ns"),)
    sectors = (DiffRow("ICG", "logging", Decimal("1000.00"), Decimal("2500.50"), Decimal("1500.50")),)
    text = table(RestatementChanges(rows, sectors, "USD"))
    assert "changes by namespace (USD)" in text and "changes by sector (USD)" in text
    namespace = next(line for line in text.splitlines() if "ocp-b" in line)
    assert namespace.split("│")[1:-1] == [" ICG       ", " ocp-b      ", " ns        ", " logging   ",
                                          " 1,000.00 ", " 2,500.50 ", " +1,500.50 "]
    assert table(RestatementChanges((), (), "USD")) == "no line moved by a cent\n"


def test_frame_table(tmp_path: Path) -> None:
    frame = pd.DataFrame({"sector_id": ["CTI", "ICG"], "total_cost": [Decimal("1234.5"), Decimal("2")],
                          "ratio": [0.5, float("nan")], "note": ["x", None]})
    target = tmp_path / "t.txt"
    render(FrameReport(frame, "costs"), "table", target)
    text = target.read_text()
    assert text.splitlines()[0].strip() == "costs"
    cti, icg = (line for line in text.splitlines() if "CTI" in line or "ICG" in line)
    assert cti.split("│")[1:-1] == [" CTI       ", "   1,234.50 ", "  0.50 ", " x    "]
    assert icg.split("│")[1:-1] == [" ICG       ", "       2.00 ", "       ", "      "]
