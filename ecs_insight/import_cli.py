"""``ecs-insight import operator-reports PATH --cluster ID [--dry-run]``: history from the Cost
Management Metrics Operator's reports, all or nothing; what it replaces is printed per kind and day."""

# No ``from __future__ import annotations``: Typer reads the command's annotations, which name types
# imported inside ``register``.
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from collectors.operator_reports import SOURCE, OperatorReportsImport
from collectors.prometheus.config import DEFAULT_LABEL_KEYS
from common.errors import InsightError
from ecs_insight import jobs
from ecs_insight.cli_common import ConfigOption, console, load_or_exit
from ecs_insight.settings import Settings
from ingest import LoadReport, Replay, collect_window, preview


def import_operator_reports(settings: Settings, paths: list[Path], cluster_id: str,
                            dry_run: bool = False) -> LoadReport:
    """Check every report, then load them as one collection of ``cluster_id`` (DataError before any
    load). The report's ``replacements`` say what the import replaces; ``dry_run`` stops there."""
    m = settings.mapping
    keys = [*DEFAULT_LABEL_KEYS, m.sector_label, m.application_label, m.cost_centre_label]
    reports = OperatorReportsImport(paths, cluster_id, label_keys=keys)
    reports.read()
    window = reports.window
    engine = jobs.open_warehouse(settings)
    batches = list(reports.collect(window))
    replacements = preview(engine, batches)
    report = LoadReport() if dry_run else collect_window(engine, Replay(SOURCE, batches), window, settings.mapping)
    report.window = window
    report.replacements = replacements
    return report


def register(app: typer.Typer) -> None:
    """Add the ``import`` command group to ``app``."""

    import_app = typer.Typer(help="Import history from other tools.", no_args_is_help=True)
    app.add_typer(import_app, name="import")

    @import_app.command("operator-reports")
    def operator_reports(
        paths: Annotated[list[Path], typer.Argument(
            help="Report CSV files, directories of them, or the operator's .tar.gz upload packages.")],
        cluster: Annotated[str, typer.Option("--cluster", help="Warehouse cluster id the reports belong to.")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show what would be replaced; load nothing.")
                           ] = False,
        config: ConfigOption = None,
    ) -> None:
        """Load Cost Management Metrics Operator reports (pod, storage, node and namespace labels)."""
        settings = load_or_exit(config)
        try:
            report = import_operator_reports(settings, paths, cluster, dry_run=dry_run)
        except InsightError as exc:
            console.print(f"[red]error:[/red] {exc}; nothing was loaded", highlight=False)
            raise typer.Exit(1) from None
        assert report.window is not None
        table = Table("table", "day", "rows before", "rows after", title="what the import replaces"
                      + (" (dry run: nothing loaded)" if dry_run else ""))
        for r in report.replacements:
            table.add_row(r.table, f"{r.day:%Y-%m-%d}", f"{r.before:,}", f"{r.after:,}")
        console.print(table)
        if dry_run:
            return
        console.print(f"{cluster}: {report.rows:,} rows loaded for [{report.window.start}, {report.window.end})")
        for failure in report.failures:
            console.print(f"[yellow]failed:[/yellow] {failure}", highlight=False)
        if report.failures:
            raise typer.Exit(1)

