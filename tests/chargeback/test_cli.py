"""``ecs-insight chargeback statement|close|restate`` on a tiny warehouse, every output format."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from ecs_insight.cli import app
from tests.chargeback.conftest import MONTH, build, config_file

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Iterator[Path]:
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    _, engine = build(url)
    engine.dispose()
    yield config_file(tmp_path, url)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["chargeback", *args])
    return result.exit_code, result.stdout, result.stderr


def test_statement_formats(config: Path, tmp_path: Path) -> None:
    code, out, _ = run("statement", "--month", MONTH, "--config", str(config))
    assert code == 0, out
    assert "CHARGEBACK statement 2026-09 version 1 (draft), model pools, price list 2026.1" in out
    assert "data completeness: 0 of 3 clusters complete" in out

    code, out, _ = run("statement", "--month", MONTH, "--format", "csv", "--config", str(config))
    lines = pd.read_csv(io.StringIO(out), dtype={"amount": str})
    assert code == 0 and {"cost_type", "pool", "quantity", "unit", "rate", "share", "basis"} <= set(lines.columns)
    total = sum(Decimal(a) for a in lines["amount"])

    code, out, _ = run("statement", "--month", MONTH, "--format", "json", "--config", str(config))
    payload = json.loads(out)
    assert Decimal(payload["statement"]["total_amount"]) == total
    assert set(payload["statement"]["completeness"]) == {"ocp-cti-01", "ocp-icg-01", "ocp-shared-01"}
    assert len(payload["lines"]) == len(lines) and payload["efficiency"] and payload["entitlement"]

    code, out, _ = run("statement", "--month", MONTH, "--config", str(config))
    totals = out.split("totals by sector (USD)")[1].splitlines()
    by_sector = {s: sum(Decimal(a) for a, t in zip(lines["amount"], lines["sector_id"], strict=True) if t == s)
                 for s in set(lines["sector_id"])}
    assert "UNALLOCATED" in by_sector and sum(by_sector.values()) == total
    for sector, amount in by_sector.items():
        assert any(line.split()[1:3] == [sector, "│"] and f"{amount:,.2f}" in line for line in totals), sector

    target = tmp_path / "s.xlsx"
    code, _, err = run("statement", "--month", MONTH, "--format", "xlsx", "--output", str(target),
                       "--sector", "CTI", "--config", str(config))
    assert code == 0, err
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["statement", "summary", "lines", "efficiency", "entitlement", "pools", "completeness"]
    sheet = book["lines"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {r["sector_id"] for r in rows} == {"CTI"}
    formats = {h: c.number_format for h, c in zip(header, sheet[2], strict=True)}
    assert formats["amount"] == formats["pool_amount"] == "#,##0.00" and formats["rate"] == "General"
    assert {c.number_format for (c,) in book["summary"].iter_rows(min_row=2, min_col=7, max_col=7)} == {"#,##0.00"}
    cti = sum(Decimal(a) for a, s in zip(lines["amount"], lines["sector_id"], strict=True) if s == "CTI")
    assert abs(Decimal(repr(sum(r["amount"] for r in rows))) - cti) < Decimal("0.001")


def test_close_restate_and_errors(config: Path) -> None:
    code, _, err = run("close", "--month", MONTH, "--config", str(config))
    assert code == 0 and "2026-09 closed: version 1, price list 2026.1" in err
    assert "data completeness: 0 of 3 clusters complete; ocp-cti-01: " in " ".join(err.split())
    code, out, _ = run("statement", "--month", MONTH, "--config", str(config))
    assert "version 1 (closed)" in out
    code, _, err = run("restate", "--month", MONTH, "--config", str(config))
    assert code == 1 and "nothing to restate" in err
    code, _, err = run("statement", "--month", MONTH, "--sector", "NOPE", "--config", str(config))
    assert code == 1 and "unknown sector 'NOPE'" in err
    code, _, err = run("statement", "--month", "2026-13", "--config", str(config))
    assert code == 2 and "--month '2026-13'" in err


def test_showback_mode_and_rate_card(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    _, engine = build(url)
    engine.dispose()
    path = config_file(tmp_path, url, mode="showback", model="rate_card")
    code, out, _ = run("statement", "--month", MONTH, "--config", str(path))
    assert code == 0
    assert "SHOWBACK (informational, not an invoice) statement 2026-09 version 1 (draft), model rate_card" in out


def test_summary_shows_the_cost_model_the_app_shows(config: Path) -> None:
    """`chargeback summary` gives the statement's sector totals (dashboard.cost_model: pools in the
    demo config), not the flat rate's, unless asked for another model."""
    code, out, _ = run("statement", "--month", MONTH, "--format", "csv", "--config", str(config))
    assert code == 0, out
    lines = pd.read_csv(io.StringIO(out), dtype={"amount": str})
    by_sector = lines.groupby("sector_id")["amount"].apply(lambda s: sum((Decimal(a) for a in s), Decimal(0)))
    result = runner.invoke(app, ["chargeback", "summary", "--month", MONTH, "--format", "csv", "--config", str(config)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(io.StringIO(result.stdout), dtype={"total_cost": str}).set_index("sector_id")
    assert {s: Decimal(v) for s, v in summary["total_cost"].items()} == by_sector.to_dict()
    flat = runner.invoke(app, ["chargeback", "summary", "--month", MONTH, "--model", "flat", "--config", str(config)])
    assert flat.exit_code == 1 and "no chargeback for 2026-09 in cost model 'flat'" in flat.output
