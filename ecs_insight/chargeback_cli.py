"""``ecs-insight chargeback statement|close|restate``: monthly statements, month close, restatement."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from chargeback import lifecycle
from common.errors import InsightError
from common.windows import parse_month
from ecs_insight import jobs
from ecs_insight.cli_common import ConfigOption, console, fail, load_or_exit
from reports.notes import closed_line, completeness_note, restated_line
from reports.render import formats, is_binary, render
from reports.restatement import RestatementChanges, restatement_changes
from reports.sectors import check_sector
from reports.statement import StatementReport, statement_report

MonthOption = Annotated[str, typer.Option("--month", help="Month as YYYY-MM.")]
# The choices are the formats the renderers offer for each report.
StatementFormat = StrEnum("StatementFormat", [(f, f) for f in formats(StatementReport)])
ChangesFormat = StrEnum("ChangesFormat", [(f, f) for f in formats(RestatementChanges)])


def _month(month: str) -> str:
    try:
        parse_month(month)
    except (InsightError, ValueError) as exc:
        console.print(f"[red]error:[/red] --month {month!r}: {exc}", highlight=False)
        raise typer.Exit(2) from None
    return month


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
            check_sector(engine, sector, stored, settings.chargeback.cost_model.sectors)
        except InsightError as exc:
            raise fail(exc) from None
        report = statement_report(stored, sector)
        if is_binary(fmt):
            target = output or Path(report.filename(fmt))
            render(report, fmt, target)
            console.print(f"wrote {target}")
        else:
            render(report, fmt, None if fmt == "table" else output)  # a table is for the terminal

    @app.command("close")
    def close(month: MonthOption, config: ConfigOption = None) -> None:
        """Close a month: its statement is locked with the price-list versions that priced it."""
        settings = load_or_exit(config)
        try:
            stored = lifecycle.close(jobs.open_warehouse(settings), _month(month), settings.chargeback.cost_model)
        except InsightError as exc:
            raise fail(exc) from None
        console.print(closed_line(stored.header), highlight=False)
        console.print(completeness_note(stored.header).text, highlight=False)  # what the close was made on

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
            changes = restatement_changes(engine, stored.header)
        except InsightError as exc:
            raise fail(exc) from None
        console.print(restated_line(stored.header), highlight=False)
        render(changes, fmt)
