"""Reports as rich tables, for a terminal (or its output piped)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from rich.console import Console
from rich.table import Table

from reports.frame import FrameReport
from reports.money import amount, percent
from reports.render.registry import Output, console, register
from reports.restatement import AMOUNT_COLUMNS, NAMESPACE_COLUMNS, SECTOR_COLUMNS, RestatementChanges
from reports.statement import SUMMARY_KEYS, TOP_WASTE, PoolsByCluster, StatementReport


@register("table", StatementReport)
def statement_table(report: StatementReport, output: Output) -> None:
    """Header line, notes, the summary with its total, totals by sector, entitlement, largest waste,
    cost pools by cluster and data completeness."""
    h, sector = report.header, report.sector
    with console(output) as out:
        mode = "SHOWBACK (informational, not an invoice)" if h.showback else "CHARGEBACK"
        out.print(f"{mode} statement {h.month} version {h.version} ({h.status}), model {h.model}, "
                  f"price list {h.price_list_version}{', sector ' + sector if sector else ''}",
                  highlight=False, markup=False)
        if report.stored.stale:
            out.print("[yellow]the facts or prices changed since this month was closed; "
                      "'ecs-insight chargeback restate' makes a new version[/yellow]")
        if report.restatement is not None:
            out.print(report.restatement.text, highlight=False, markup=False)
        _summary(out, report)
        _entitlement(out, report.entitlement)
        _waste(out, report.waste)
        _pools(out, report.pools)
        out.print(report.completeness.text, highlight=False)


def _summary(out: Console, report: StatementReport) -> None:
    summary, currency = report.summary, report.header.currency
    table = Table(show_lines=False)
    for column in [*SUMMARY_KEYS, "amount"]:
        table.add_column(column, justify="right" if column == "amount" else "left")
    for row in summary.rows.itertuples(index=False):
        table.add_row(*[str(v) for v in row[:-1]], amount(row.amount))
    table.add_row("total", "", "", "", "", "", f"{amount(summary.total)} {currency}")
    out.print(table)
    if summary.by_sector:
        by_sector = Table(title=f"totals by sector ({currency})")
        for column in ("sector", "amount", "of total"):
            by_sector.add_column(column, justify="left" if column == "sector" else "right")
        for share in summary.by_sector:
            by_sector.add_row(share.sector_id, amount(share.amount),
                              "-" if share.share is None else f"{share.share:.1%}")
        out.print(by_sector)


def _entitlement(out: Console, entitlement: pd.DataFrame) -> None:
    if entitlement.empty:
        return
    bought = Table(title="entitlement (monthly averages)")
    for column in ("sector", "resource", "purchased", "requested", "used", "unused cost"):
        bought.add_column(column, justify="left" if column in ("sector", "resource") else "right")
    for row in entitlement.itertuples(index=False):
        bought.add_row(row.sector_id, row.resource, f"{row.purchased:,.2f}", f"{row.requested:,.2f}",
                       f"{row.used:,.2f}", amount(row.unused_amount))
    out.print(bought)


def _waste(out: Console, waste: pd.DataFrame) -> None:
    if waste.empty:
        return
    wasted = Table(title=f"largest waste: requested but unused (top {TOP_WASTE})")
    for column in ("sector", "cluster", "namespace", "CPU usage/request", "memory usage/request", "wasted"):
        wasted.add_column(column, justify="left" if column in ("sector", "cluster", "namespace") else "right")
    for row in waste.itertuples(index=False):
        wasted.add_row(row.sector_id, row.cluster_id, row.namespace, percent(row.cpu_efficiency),
                       percent(row.memory_efficiency), amount(row.wasted_amount))
    out.print(wasted)


def _pools(out: Console, pools: PoolsByCluster) -> None:
    table = Table(title=pools.title, min_width=len(pools.title) + 4)  # an empty table keeps its title on one line
    for column in pools.frame.columns:
        table.add_column(column, justify="left" if column == "cluster_id" else "right")
    for row in pools.frame.itertuples(index=False):
        table.add_row(str(row[0]), *[amount(v) for v in row[1:]])
    out.print(table)
    if pools.missing_note:
        out.print(pools.missing_note, highlight=False)


@register("table", RestatementChanges)
def changes_table(changes: RestatementChanges, output: Output) -> None:
    """Per namespace, then the per-sector summary; one line when nothing moved by a cent."""
    with console(output) as out:
        if not changes.namespaces:
            out.print("no line moved by a cent", highlight=False)
            return
        for title, columns, rows in (
                (f"changes by namespace ({changes.currency})", NAMESPACE_COLUMNS, changes.namespaces),
                (f"changes by sector ({changes.currency})", SECTOR_COLUMNS, changes.sectors)):
            table = Table(title=title)
            for column in columns:
                table.add_column(column, justify="right" if column in AMOUNT_COLUMNS else "left")
            for diff_row in rows:
                row = diff_row.as_dict()  # a row stored before namespaces were diffed has neither cluster nor namespace
                table.add_row(*[amount(row[c], c == "change") if c in AMOUNT_COLUMNS else row.get(c, "")
                                for c in columns])
            out.print(table)


@register("table", FrameReport)
def frame_table(report: FrameReport, output: Output) -> None:
    """Numbers (and columns of Decimals) right-aligned, to two decimals; missing values empty."""
    frame = report.frame
    table = Table(title=report.title or None)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) or all(
            isinstance(v, Decimal) for v in frame[column].dropna())
        table.add_column(str(column), justify="right" if numeric and len(frame) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    with console(output) as out:
        out.print(table)


def _cell(value: object) -> str:
    if isinstance(value, float) and value != value:  # NaN: pandas' missing value, shown empty like None
        return ""
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    return "" if value is None else str(value)
