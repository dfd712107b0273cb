"""The ``ecs-insight`` command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from common import interrupts
from common.errors import InsightError
from common.windows import Window, floor_hour
from ecs_insight import chargeback_cli, collect_cli, import_cli, jobs, vsphere_cli
from ecs_insight.cli_common import ConfigOption, OutputFormat, console, emit, fail, load_or_exit, warehouse_for_reading
from ecs_insight.logs import configure_logging
from ecs_insight.settings import DEFAULT_CONFIG, Settings, load_settings
from ecs_insight.settings_reference import settings_reference
from ecs_insight.sources import build_collector
from ingest import collect_slices, plan_slices
from reports.render import render
from reports.sectors import sector_costs

app = typer.Typer(help="ECS Insight: observability and cost analytics for the ECS OpenShift service.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
config_app = typer.Typer(help="Inspect and document the configuration.", no_args_is_help=True)
chargeback_app = typer.Typer(help="Chargeback results.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(chargeback_app, name="chargeback")
chargeback_cli.register(chargeback_app)

@app.command()
def demo(
    config: ConfigOption = None,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the app when built.")] = True,
    host: Annotated[str | None, typer.Option(help="Address to serve on (default from config).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on (default from config).")] = None,
) -> None:
    """Build the warehouse from the simulated estate, compute the chargeback, then serve the app."""
    settings = load_or_exit(config)
    try:
        engine = jobs.open_warehouse(settings)
        console.print(f"warehouse: {settings.warehouse.display_url()}")
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task("loading simulated estate", total=None)
            report = jobs.build_from_synthetic(
                engine, settings,
                progress=lambda n: progress.advance(task, n),
                on_start=lambda total: progress.update(task, total=total),
            )
        console.print(f"loaded {report.rows:,} rows in {report.batches:,} slices")
        for failure in report.failures:
            console.print(f"[yellow]failed:[/yellow] {failure}", highlight=False)
        months = jobs.months_of(report.window) if report.window else []
        lines = jobs.compute_chargeback(engine, settings, months)
        console.print("chargeback computed: " + ", ".join(f"{m} ({n} lines)" for m, n in lines.items()))
    except InsightError as exc:
        raise fail(exc) from None
    if serve_after:
        engine.dispose()
        _serve(settings, host, port)


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to serve on (default from config).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on (default from config).")] = None,
) -> None:
    """Serve the Dash app on the configured warehouse."""
    _serve(load_or_exit(config), host, port)


def _serve(settings: Settings, host: str | None, port: int | None) -> None:
    from waitress import serve as waitress_serve

    from dashboards import create_app

    host = host or settings.server.host
    port = port or settings.server.port
    engine = warehouse_for_reading(settings)
    dash_app = create_app(engine, settings.dashboard)
    from ecs_insight.health import add_metrics_route

    add_metrics_route(dash_app.server, engine)  # the app's own health, for Grafana and alerting
    url = f"http://{host}:{port}/"
    console.print(f"ECS Insight is serving at [bold]{url}[/bold] (Ctrl+C stops it)")
    print(url, flush=True)
    waitress_serve(dash_app.server, host=host, port=port, threads=8, _quiet=True)


@app.command()
def collect(
    source: Annotated[str, typer.Argument(help="Source name, e.g. synthetic.")],
    start: Annotated[datetime | None, typer.Option(
        help="First hour to collect (UTC); without --start and --end: incremental.")] = None,
    end: Annotated[datetime | None, typer.Option(help="End of the window, exclusive (UTC).")] = None,
    config: ConfigOption = None,
) -> None:
    """Collect [START, END) from one source into the warehouse; re-collecting replaces, never doubles.

    Without --start and --end: the hours since the source's watermark up to the last complete hour,
    plus recent failed windows (the scheduler's run).
    """
    settings = load_or_exit(config)
    if start is None or end is None:
        if start is not None or end is not None:
            console.print("[red]error:[/red] give both --start and --end, or neither (incremental)")
            raise typer.Exit(2)
        raise typer.Exit(collect_cli.run_incremental(source, settings, console))
    try:
        window = Window(floor_hour(start), floor_hour(end))
        collector = build_collector(source, settings)
        engine = jobs.open_warehouse(settings)
        slices = plan_slices([window], settings.load.slice_hours)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task(f"collecting {source}", total=len(slices))
            report = collect_slices(engine, collector, slices, settings.mapping,
                                    on_slice=lambda _: progress.advance(task))
    except (InsightError, ValueError) as exc:
        raise fail(exc) from None
    console.print(f"{source}: {report.rows:,} rows loaded for [{window.start}, {window.end})")
    for failure in report.failures:
        console.print(f"[yellow]failed:[/yellow] {failure}", highlight=False)
    if report.failures:
        raise typer.Exit(1)


@app.command()
def migrate(config: ConfigOption = None) -> None:
    """Create or upgrade the warehouse schema to the latest migration."""
    settings = load_or_exit(config)
    try:
        jobs.open_warehouse(settings, migrate=True)
    except InsightError as exc:
        raise fail(exc) from None
    console.print(f"warehouse at {settings.warehouse.display_url()} is up to date")


@app.command("runs")
def list_runs(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="How many recent runs.")] = 50,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Recent collection runs: source, scope, window, rows, status and error."""
    from warehouse.runs import recent_runs

    settings = load_or_exit(config)
    emit(recent_runs(warehouse_for_reading(settings), limit), fmt, "collection runs")


@chargeback_app.command("summary")
def chargeback_summary(
    month: Annotated[str, typer.Option(help="Month as YYYY-MM.")],
    config: ConfigOption = None,
    model: Annotated[str | None, typer.Option(
        help="Cost model of the results (default: dashboard.cost_model, the one the app shows; "
             "'flat' is the flat rate).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Cost per sector for a month, in the cost model the app shows (the same totals as its cost page)."""
    settings = load_or_exit(config)
    report = sector_costs(warehouse_for_reading(settings), month, model or settings.dashboard.cost_model)
    if report.frame.empty:
        console.print(report.missing_note)
        raise typer.Exit(1)
    render(report, fmt)


@config_app.command("show")
def config_show(config: ConfigOption = None) -> None:
    """Print the effective configuration as JSON, secrets masked."""
    settings = load_or_exit(config)
    data = json.loads(settings.model_dump_json())
    data["warehouse"]["url"] = settings.warehouse.display_url()
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


@config_app.command("docs")
def config_docs(
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Reference of every setting, as Markdown (docs/configuration.md is generated with this)."""
    text = settings_reference()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help="Benchmark name, e.g. load.")],
    profile: Annotated[str, typer.Option(help="Data profile: tiny, demo or enterprise.")] = "demo",
    postgres_url: Annotated[str | None, typer.Option(
        help="Also measure this PostgreSQL (a scratch database; bench rows are removed after).")] = None,
) -> None:
    """Run a benchmark; its last output line is one JSON object."""
    from bench import run_benchmark

    configure_logging("WARNING", False)
    demo = load_settings(DEFAULT_CONFIG, environ={})  # benchmarks price and map like the demo
    try:
        result = run_benchmark(name, profile, postgres_url=postgres_url, cost_model=demo.chargeback.cost_model,
                               mapping=demo.mapping)
    except InsightError as exc:
        raise fail(exc) from None
    print(json.dumps(result), flush=True)


collect_cli.register(app)
import_cli.register(app)
vsphere_cli.register(app)


def main() -> None:  # pragma: no cover - console entry
    with interrupts.raise_on_signals():
        try:
            app()
        except interrupts.Interrupted as exc:
            report_interrupted(exc)
            sys.exit(exc.exit_code)


def report_interrupted(exc: interrupts.Interrupted) -> None:
    """Say what a signal stopped: the runs marked interrupted (their windows are refilled by the next
    incremental run), or that no run was open."""
    if not exc.runs:
        console.print(f"{exc}; no collection run was open", highlight=False)
        return
    console.print(f"[yellow]{exc}[/yellow]; runs marked interrupted:", highlight=False)
    for line in exc.runs:
        console.print(f"  {line}", highlight=False)
