"""A statement as an Excel workbook: the header, the summary, every stored frame and completeness, one
sheet each; amounts as numbers formatted to the cent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from reports.render.json import json_default
from reports.render.registry import Output, register
from reports.statement import StatementReport

MONEY_FORMAT = "#,##0.00"
SHEETS = ("statement", "summary", "lines", "efficiency", "entitlement", "pools", "completeness")


@register("xlsx", StatementReport, binary=True)
def statement_xlsx(report: StatementReport, output: Output) -> None:
    stored = report.stored
    with pd.ExcelWriter(output, engine="openpyxl") as writer:
        head = pd.DataFrame([{k: _header_cell(k, v) for k, v in stored.header.as_dict().items()
                              if k not in ("completeness", "diff")} | {"stale": stored.stale}])
        head.T.reset_index().to_excel(writer, sheet_name="statement", index=False, header=["field", "value"])
        _header_money_format(writer.sheets["statement"])
        by_namespace = report.summary.rows.assign(amount=lambda f: f["amount"].astype(float))
        by_namespace.to_excel(writer, sheet_name="summary", index=False)
        _money_format(writer.sheets["summary"], list(by_namespace.columns))
        for name, frame in (("lines", stored.lines), ("efficiency", stored.efficiency),
                            ("entitlement", stored.entitlement), ("pools", stored.pools)):
            money = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, Decimal)).any()]
            frame.astype({c: float for c in money}).to_excel(writer, sheet_name=name, index=False)
            _money_format(writer.sheets[name], list(frame.columns))
        completeness = [{"cluster_id": c, **v.as_dict()} for c, v in stored.header.completeness.items()]
        pd.DataFrame(completeness).to_excel(writer, sheet_name="completeness", index=False)


def _header_cell(key: str, value: object) -> object:
    """A header value for the statement sheet: amounts and version numbers as numbers (amounts formatted
    by ``_header_money_format``), anything else as text."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if key.endswith("amount"):
        return float(Decimal(str(value)))
    return json_default(value)


def _header_money_format(sheet: Any) -> None:
    for field_cell, value_cell in sheet.iter_rows(min_row=2, max_col=2):
        if str(field_cell.value).endswith("amount"):
            value_cell.number_format = MONEY_FORMAT


def _money_format(sheet: Any, columns: list[str]) -> None:
    """Amounts (columns named ``*amount``) shown to the cent with thousands separators; rates and
    quantities keep their precision."""
    for index, column in enumerate(columns, start=1):
        if str(column).endswith("amount"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = MONEY_FORMAT
