"""HTML tables of the cost page: sector totals for a month and one sector's namespaces.

Amounts are rendered from Decimal values (rounded half-up to the cent), never through float;
totals are the exact sums, rounded once. When rounded lines do not add up to the rounded total
(lines holding fractions of a cent), a note under the table says so.
Every cell carries a ``col-<name>`` class and every sector row a ``data-sector`` attribute, so
tests and styles can address them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import html

from common.names import UNALLOCATED_NAME
from dashboards.cost import ids
from dashboards.formatting import currency_label, money, money_sum, percent, quantity, to_cents
from warehouse.queries import MONEY_COLUMNS


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    numeric: bool = False
    title: str | None = None


def _money_header(label: str, currencies: Sequence[str], display: str) -> str:
    if len(currencies) == 1:
        return f"{label} ({currency_label(currencies[0], display)})"
    return label


def _cell(col: Column, value: Any) -> html.Td:
    classes = f"col-{col.name}" + (" num" if col.numeric else "")
    return html.Td(value, className=classes)


def _header(columns: Sequence[Column]) -> html.Thead:
    return html.Thead(
        html.Tr([
            html.Th(c.header, className=f"col-{c.name}" + (" num" if c.numeric else ""), title=c.title)
            for c in columns
        ])
    )


def _row(columns: Sequence[Column], values: dict[str, Any], **attrs: Any) -> html.Tr:
    return html.Tr([_cell(c, values.get(c.name, "")) for c in columns], **attrs)


def _currencies(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["currency"].dropna().unique().tolist())


def _sector_label(sector_id: str, sector_name: str) -> Any:
    if sector_name in (sector_id, UNALLOCATED_NAME):
        return sector_name
    return [html.Span(sector_name, className="sector-name"), html.Span(sector_id, className="sector-code")]


def sector_totals_table(
    frame: pd.DataFrame, selected_sector: str | None, currency_display: str
) -> html.Div:
    """Table of one month's sector totals, largest first, with a total row per currency.

    ``frame`` has the columns of :func:`warehouse.queries.cost_by_sector_month` for one month.
    Rows are clickable (pattern id ``{"type": "sector-row", "sector": ...}``).
    """
    currencies = _currencies(frame)
    multi = len(currencies) > 1
    columns = [Column("sector", "Sector")]
    if multi:
        columns.append(Column("currency", "Currency"))
    columns += [
        Column("namespaces", "Namespaces", numeric=True),
        Column("cpu_core_hours", "CPU core-hours", numeric=True, title="Effective CPU core-hours"),
        Column("memory_gib_hours", "Memory GiB-hours", numeric=True, title="Effective memory GiB-hours"),
        Column("cpu_cost", _money_header("CPU cost", currencies, currency_display), numeric=True),
        Column("memory_cost", _money_header("Memory cost", currencies, currency_display), numeric=True),
        Column("total_cost", _money_header("Total cost", currencies, currency_display), numeric=True),
        Column("share", "Share", numeric=True, title="Share of the month's total in the same currency"),
    ]
    totals = {cur: money_sum(frame.loc[frame["currency"] == cur, "total_cost"]) for cur in currencies}
    records = sorted(frame.to_dict("records"),
                     key=lambda r: (r["currency"], -r["total_cost"], r["sector_id"]))
    body = []
    for rec in records:
        values = _amounts(rec)
        values.update(
            sector=_sector_label(rec["sector_id"], rec["sector_name"]),
            currency=rec["currency"],
            namespaces=f"{int(rec['namespaces']):,}",
            share=percent(rec["total_cost"], totals[rec["currency"]]),
        )
        selected = rec["sector_id"] == selected_sector
        body.append(_row(
            columns, values,
            id={"type": ids.SECTOR_ROW, "sector": rec["sector_id"]},
            className="sector-row selected" if selected else "sector-row",
            title=f"Show the namespaces of {rec['sector_name']}",
            **{"data-sector": rec["sector_id"]},
        ))
    footer = []
    for cur in currencies:
        part = frame[frame["currency"] == cur]
        values = _total_amounts(part)
        values.update(sector=f"Total {cur}" if multi else "Total", currency=cur,
                      namespaces=f"{int(part['namespaces'].sum()):,}", share="100.0 %")
        footer.append(_row(columns, values, className="total-row", **{"data-currency": cur}))
    return _with_rounding_note(
        html.Table([_header(columns), html.Tbody(body), html.Tfoot(footer)], className="data-table"), frame)


def _total_amounts(part: pd.DataFrame) -> dict[str, str]:
    """The formatted quantity and money totals of the rows of one currency."""
    return _amounts({
        "cpu_effective_core_hours": part["cpu_effective_core_hours"].sum(),
        "memory_effective_gib_hours": part["memory_effective_gib_hours"].sum(),
        "cpu_cost": money_sum(part["cpu_cost"]),
        "memory_cost": money_sum(part["memory_cost"]),
        "total_cost": money_sum(part["total_cost"]),
    })


def namespace_table(frame: pd.DataFrame, currency_display: str) -> html.Div:
    """Table of one sector's namespaces for a month, highest cost first, with a total row."""
    currencies = _currencies(frame)
    multi = len(currencies) > 1
    columns = [
        Column("cluster", "Cluster"),
        Column("namespace", "Namespace"),
        Column("application", "Application"),
        Column("cost_centre", "Cost centre"),
    ]
    if multi:
        columns.append(Column("currency", "Currency"))
    columns += [
        Column("cpu_core_hours", "CPU core-hours", numeric=True, title="Effective CPU core-hours"),
        Column("memory_gib_hours", "Memory GiB-hours", numeric=True, title="Effective memory GiB-hours"),
        Column("cpu_cost", _money_header("CPU cost", currencies, currency_display), numeric=True),
        Column("memory_cost", _money_header("Memory cost", currencies, currency_display), numeric=True),
        Column("total_cost", _money_header("Total cost", currencies, currency_display), numeric=True),
    ]
    body = []
    for rec in frame.to_dict("records"):
        values = _amounts(rec)
        values.update(
            cluster=rec["cluster_name"],
            namespace=rec["namespace"],
            application=rec["application"] or "—",
            cost_centre=rec["cost_centre"] or "—",
            currency=rec["currency"],
        )
        body.append(_row(columns, values, className="namespace-row",
                         **{"data-namespace": f"{rec['cluster_id']}/{rec['namespace']}"}))
    footer = []
    for cur in currencies:
        part = frame[frame["currency"] == cur]
        values = _total_amounts(part)
        label = f"{len(part):,} namespace" + ("" if len(part) == 1 else "s")
        values.update(cluster=f"Total {cur}" if multi else "Total", namespace=label, currency=cur)
        footer.append(_row(columns, values, className="total-row", **{"data-currency": cur}))
    return _with_rounding_note(
        html.Table([_header(columns), html.Tbody(body), html.Tfoot(footer)], className="data-table"), frame)


ROUNDING_NOTE = ("Amounts are rounded to the cent line by line; the stored lines carry fractions of a "
                 "cent, so a column of rounded lines can differ from its exact total by a few cents.")


def rounding_differs(frame: pd.DataFrame) -> bool:
    """Whether some money column's rounded lines do not add up to its rounded total."""
    for cur in _currencies(frame):
        part = frame[frame["currency"] == cur]
        for col in MONEY_COLUMNS:
            if money_sum(to_cents(v) for v in part[col]) != to_cents(money_sum(part[col])):
                return True
    return False


def _with_rounding_note(table: html.Table, frame: pd.DataFrame) -> html.Div:
    parts: list[Any] = [table]
    if rounding_differs(frame):
        parts.append(html.P(ROUNDING_NOTE, className="note rounding-note"))
    return html.Div(parts)


def _amounts(rec: dict[str, Any]) -> dict[str, str]:
    return {
        "cpu_core_hours": quantity(rec["cpu_effective_core_hours"]),
        "memory_gib_hours": quantity(rec["memory_effective_gib_hours"]),
        "cpu_cost": money(rec["cpu_cost"]),
        "memory_cost": money(rec["memory_cost"]),
        "total_cost": money(rec["total_cost"]),
    }

