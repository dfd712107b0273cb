"""``ecs-insight chargeback statement|close|restate``: monthly statements, month close, restatement."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import sqlalchemy as sa
import typer
from rich.table import Table

from chargeback import lifecycle
from chargeback.pools import COMPUTE_POOLS
from chargeback.stored import StatementHeader, StoredStatement
from common.errors import ConfigError, InsightError
from common.windows import parse_month
from ecs_insight import jobs
from ecs_insight.cli_common import ConfigOption, console, fail, load_or_exit, stdout_console
from ecs_insight.settings import Settings
from warehouse.dimensions import read_dimension

MonthOption = Annotated[str, typer.Option("--month", help="Month as YYYY-MM.")]
TOP_WASTE = 10
MONEY_FORMAT = "#,##0.00"
SUMMARY_KEYS = ["sector_id", "cluster_id", "namespace", "application", "cost_centre", "cost_type"]
POOL_ORDER = (*COMPUTE_POOLS, "storage", "logging")  # then the rate card's pools, by name


class StatementFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def _month(month: str) -> str:
    try:
        parse_month(month)
    except (InsightError, ValueError) as exc:
        console.print(f"[red]error:[/red] --month {month!r}: {exc}", highlight=False)
        raise typer.Exit(2) from None
    return month


def _check_sector(sector: str | None, stored: StoredStatement, settings: Settings, engine: sa.Engine) -> None:
    if sector is None:
        return
    known = set(settings.chargeback.cost_model.sectors) or set(stored.lines["sector_id"]) | {"UNALLOCATED"}
    known |= set(read_dimension(engine, "sector")["sector_id"])
    if sector not in known:
        raise ConfigError(f"unknown sector {sector!r}; known sectors: {', '.join(sorted(known))}", field="--sector")


def summary(lines: pd.DataFrame) -> pd.DataFrame:
    """Lines summed over pools: one row per (sector, cluster, namespace, cost type)."""
    if lines.empty:
        return pd.DataFrame(columns=[*SUMMARY_KEYS, "amount"])
    frame = lines.fillna({"application": "", "cost_centre": ""})
    return frame.groupby(SUMMARY_KEYS, as_index=False, sort=True)["amount"].sum()


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _header_json(stored: StoredStatement) -> dict[str, object]:
    return stored.header.as_dict() | {"stale": stored.stale}


def emit(stored: StoredStatement, fmt: StatementFormat, sector: str | None, output: Path | None) -> None:
    header = stored.header
    if fmt is StatementFormat.json:
        payload = {"statement": _header_json(stored), "sector": sector, "lines": _records(stored.lines),
                   "efficiency": _records(stored.efficiency), "entitlement": _records(stored.entitlement),
                   "pools": _records(stored.pools)}
        _write(json.dumps(payload, default=_json_default, indent=2) + "\n", output)
    elif fmt is StatementFormat.csv:
        _write(stored.lines.to_csv(index=False), output)
    elif fmt is StatementFormat.xlsx:
        target = output or Path(f"statement-{header.month}{'-' + sector if sector else ''}.xlsx")
        write_xlsx(stored, target)
        console.print(f"wrote {target}")
    else:
        _table(stored, sector)


def _write(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def write_xlsx(stored: StoredStatement, target: Path) -> None:
    completeness = {c: v.as_dict() for c, v in stored.header.completeness.items()}
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        head = pd.DataFrame([{k: _header_cell(k, v) for k, v in stored.header.as_dict().items()
                              if k not in ("completeness", "diff")} | {"stale": stored.stale}])
        head.T.reset_index().to_excel(writer, sheet_name="statement", index=False, header=["field", "value"])
        _header_money_format(writer.sheets["statement"])
        by_namespace = summary(stored.lines).assign(amount=lambda f: f["amount"].astype(float))
        by_namespace.to_excel(writer, sheet_name="summary", index=False)
        _money_format(writer.sheets["summary"], list(by_namespace.columns))
        for name, frame in (("lines", stored.lines), ("efficiency", stored.efficiency),
                            ("entitlement", stored.entitlement), ("pools", stored.pools)):
            money = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, Decimal)).any()]
            frame.astype({c: float for c in money}).to_excel(writer, sheet_name=name, index=False)
            _money_format(writer.sheets[name], list(frame.columns))
        pd.DataFrame([{"cluster_id": c, **v} for c, v in completeness.items()]).to_excel(
            writer, sheet_name="completeness", index=False)


def _header_cell(key: str, value: object) -> object:
    """A header value for the statement sheet: amounts and version numbers as numbers (amounts formatted
    by ``_header_money_format``), anything else as text."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if key.endswith("amount"):
        return float(Decimal(str(value)))
    return _json_default(value)


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


def _table(stored: StoredStatement, sector: str | None) -> None:
    out = stdout_console()
    h = stored.header
    mode = "SHOWBACK (informational, not an invoice)" if h.showback else "CHARGEBACK"
    out.print(f"{mode} statement {h.month} version {h.version} ({h.status}), model {h.model}, "
              f"price list {h.price_list_version}{', sector ' + sector if sector else ''}",
              highlight=False, markup=False)
    if stored.stale:
        out.print("[yellow]the facts or prices changed since this month was closed; "
                  "'ecs-insight chargeback restate' makes a new version[/yellow]")
    restated = restatement_note(h, sector)
    if restated:
        out.print(restated, highlight=False, markup=False)
    table = Table(show_lines=False)
    for column in [*SUMMARY_KEYS, "amount"]:
        table.add_column(column, justify="right" if column == "amount" else "left")
    rows = summary(stored.lines)
    for row in rows.itertuples(index=False):
        table.add_row(*[str(v) for v in row[:-1]], _amount(row.amount))
    total = sum(rows["amount"], Decimal(0))
    table.add_row("total", "", "", "", "", "", f"{_amount(total)} {h.currency}")
    out.print(table)
    if not rows.empty:
        by_sector = Table(title=f"totals by sector ({h.currency})")
        for column in ("sector", "amount", "of total"):
            by_sector.add_column(column, justify="left" if column == "sector" else "right")
        for sector_id, amount in rows.groupby("sector_id", sort=True)["amount"].sum().items():
            by_sector.add_row(str(sector_id), _amount(amount), f"{amount / total:.1%}" if total else "-")
        out.print(by_sector)
    if not stored.entitlement.empty:
        bought = Table(title="entitlement (monthly averages)")
        for column in ("sector", "resource", "purchased", "requested", "used", "unused cost"):
            bought.add_column(column, justify="left" if column in ("sector", "resource") else "right")
        for row in stored.entitlement.itertuples(index=False):
            bought.add_row(row.sector_id, row.resource, f"{row.purchased:,.2f}", f"{row.requested:,.2f}",
                           f"{row.used:,.2f}", _amount(row.unused_amount))
        out.print(bought)
    waste = stored.efficiency.sort_values("wasted_amount", ascending=False).head(TOP_WASTE)
    if not waste.empty:
        wasted = Table(title=f"largest waste: requested but unused (top {TOP_WASTE})")
        for column in ("sector", "cluster", "namespace", "CPU usage/request", "memory usage/request", "wasted"):
            wasted.add_column(column, justify="left" if column in ("sector", "cluster", "namespace") else "right")
        for row in waste.itertuples(index=False):
            wasted.add_row(row.sector_id, row.cluster_id, row.namespace, _percent(row.cpu_efficiency),
                           _percent(row.memory_efficiency), _amount(row.wasted_amount))
        out.print(wasted)
    _pools_table(out, stored, h.currency, sector)
    out.print(completeness_note(h), highlight=False)


def pools_by_cluster(pools: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster, one column per pool (compute pools, storage, logging, then any other by
    name), a total column and a total row; a cluster without some pool shows 0 for it."""
    present = set(pools["pool"])
    named = list(dict.fromkeys([p for p in POOL_ORDER if p in present] + sorted(present)))
    amounts: dict[str, dict[str, Decimal]] = {}
    for cluster_id, pool, amount in zip(pools["cluster_id"], pools["pool"], pools["amount"], strict=True):
        amounts.setdefault(str(cluster_id), {})[str(pool)] = Decimal(amount)
    rows = [{"cluster_id": c, **{p: by_pool.get(p, Decimal(0)) for p in named}}
            for c, by_pool in sorted(amounts.items())]
    rows.append({"cluster_id": "total", **{p: sum((r[p] for r in rows), Decimal(0)) for p in named}})
    frame = pd.DataFrame(rows, columns=["cluster_id", *named])
    frame["total"] = [sum((r[p] for p in named), Decimal(0)) for r in rows]
    return frame


def _pools_table(out: Any, stored: StoredStatement, currency: str, sector: str | None) -> None:
    """Whole pools per cluster; with a sector, of the clusters it has lines on (shared with other sectors:
    its part of them is its lines)."""
    title = f"cost pools by cluster ({currency})"
    if sector:
        title = f"cost pools of the clusters {sector} has lines on, whole ({currency})"
    table = Table(title=title, min_width=len(title) + 4)  # an empty table keeps its title on one line
    frame = pools_by_cluster(stored.pools)
    for column in frame.columns:
        table.add_column(column, justify="left" if column == "cluster_id" else "right")
    for row in frame.itertuples(index=False):
        table.add_row(str(row[0]), *[_amount(v) for v in row[1:]])
    out.print(table)
    if stored.pools.empty and not stored.lines.empty:
        out.print(f"no cost pools are stored with version {stored.header.version}: it was stored "
                  "before statements kept their pools (its lines are complete)", highlight=False)


def completeness_note(header: StatementHeader) -> str:
    """How many clusters have every hour of the month, and the share of hours of those that do not."""
    completeness = header.completeness
    gaps = {c: v for c, v in completeness.items() if not v.complete}
    return (f"data completeness: {len(completeness) - len(gaps)} of {len(completeness)} clusters complete"
            + "".join(f"; {c}: {v.ratio:.1%} of hours, {v.failed_runs} failed runs" for c, v in gaps.items()))


def restatement_note(header: StatementHeader, sector: str | None) -> str | None:
    """For a restated version: what it restates and the net change per sector of its stored diff
    (the namespace rows of a sector add up to its change exactly: amounts are whole cents)."""
    previous = header.supersedes_version
    if previous is None:
        return None
    rows = [r for r in header.diff or () if sector is None or r.sector_id == sector]
    net: dict[str, Decimal] = {}
    for row in rows:
        net[row.sector_id] = net.get(row.sector_id, Decimal(0)) + row.change
    moved = "; ".join(f"{s} {_amount(v, signed=True)}" for s, v in sorted(net.items())) or "nothing moved by a cent"
    return (f"restates version {previous} ({header.reason}): {len(rows)} namespace row(s) "
            f"changed, net per sector: {moved}")


def _percent(value: object) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):.0%}"


def register(app: typer.Typer) -> None:
    """Add the statement commands to the ``chargeback`` sub-app."""

    @app.command("statement")
    def statement(
        month: MonthOption,
        sector: Annotated[str | None, typer.Option(help="Only this sector's lines.")] = None,
        fmt: Annotated[StatementFormat, typer.Option("--format")] = StatementFormat.table,
        output: Annotated[Path | None, typer.Option(help="Write to this file (xlsx default: "
                                                          "statement-MONTH[-SECTOR].xlsx).")] = None,
        config: ConfigOption = None,
    ) -> None:
        """A month's statement: computed as a draft, or the closed version once the month is closed."""
        settings = load_or_exit(config)
        try:
            engine = jobs.open_warehouse(settings)
            stored = lifecycle.refresh(engine, _month(month), settings.chargeback.cost_model, sector)
            _check_sector(sector, stored, settings, engine)
        except InsightError as exc:
            raise fail(exc) from None
        emit(stored, fmt, sector, output)

    @app.command("close")
    def close(month: MonthOption, config: ConfigOption = None) -> None:
        """Close a month: its statement is locked with the price-list versions that priced it."""
        settings = load_or_exit(config)
        try:
            stored = lifecycle.close(jobs.open_warehouse(settings), _month(month), settings.chargeback.cost_model)
        except InsightError as exc:
            raise fail(exc) from None
        h = stored.header
        console.print(f"{h.month} closed: version {h.version}, price list {h.price_list_version}, "
                      f"total {_amount(h.total_amount)} {h.currency}", highlight=False)
        console.print(completeness_note(h), highlight=False)  # what the close was made on

    @app.command("restate")
    def restate(
        month: MonthOption,
        reason: Annotated[str, typer.Option(help="Why the month is restated.")] = "restatement after late data",
        fmt: Annotated[ChangesFormat, typer.Option("--format", help="How to print the changes.")
                       ] = ChangesFormat.table,
        config: ConfigOption = None,
    ) -> None:
        """Restate a closed month after late data: a new closed version, and what changed per namespace
        and per sector."""
        settings = load_or_exit(config)
        try:
            engine = jobs.open_warehouse(settings)
            stored = lifecycle.restate(engine, _month(month), settings.chargeback.cost_model, reason)
            changes = lifecycle.changes(engine, month, stored.header.version)
        except InsightError as exc:
            raise fail(exc) from None
        h = stored.header
        console.print(f"{h.month} restated: version {h.version} supersedes {h.supersedes_version}, "
                      f"total {_amount(h.total_amount)} {h.currency}", highlight=False)
        emit_changes(changes or lifecycle.Restatement((), ()), fmt, h.currency)


class ChangesFormat(StrEnum):
    table = "table"
    json = "json"


NAMESPACE_COLUMNS = ["sector_id", "cluster_id", "namespace", "cost_type", "old", "new", "change"]
SECTOR_COLUMNS = ["sector_id", "cost_type", "old", "new", "change"]


def emit_changes(changes: lifecycle.Restatement, fmt: ChangesFormat, currency: str) -> None:
    """A restatement's changes on standard output: per namespace, then the per-sector summary."""
    if fmt is ChangesFormat.json:
        _write(json.dumps({"namespaces": [r.as_dict() for r in changes.namespaces],
                           "sectors": [r.as_dict() for r in changes.sectors]}, indent=2) + "\n", None)
        return
    out = stdout_console()
    if not changes.namespaces:
        out.print("no line moved by a cent", highlight=False)
        return
    for title, columns, rows in ((f"changes by namespace ({currency})", NAMESPACE_COLUMNS, changes.namespaces),
                                 (f"changes by sector ({currency})", SECTOR_COLUMNS, changes.sectors)):
        table = Table(title=title)
        for column in columns:
            table.add_column(column, justify="right" if column in ("old", "new", "change") else "left")
        for diff_row in rows:
            row = diff_row.as_dict()
            table.add_row(*[_amount(row[c], c == "change") if c in ("old", "new", "change") else str(row[c])
                            for c in columns])
        out.print(table)


def _amount(amount: Decimal | str | float, signed: bool = False) -> str:
    """Money to the cent with thousands separators; ``signed`` shows + on a rise."""
    return f"{Decimal(amount):{'+' if signed else ''},.2f}"
