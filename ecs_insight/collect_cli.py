"""Incremental collection, data completeness and the scheduler on the command line.

``cli.py`` registers these commands; ``collect SOURCE`` without --start/--end calls ``run_incremental``.
"""

# No ``from __future__ import annotations``: Typer reads the commands' annotations, which name
# types imported inside ``register`` (cli.py imports this module while it is being defined).
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from common import interrupts
from common.errors import InsightError
from common.windows import floor_hour
from ecs_insight import jobs
from ecs_insight.cli_common import (
    ConfigOption,
    OutputFormat,
    emit,
    fail,
    load_or_exit,
    warehouse_for_reading,
    window_or_exit,
)
from ecs_insight.settings import Settings
from ecs_insight.sources import build_collector, configured_sources
from ingest.incremental import collect_incremental, last_complete_hour

log = logging.getLogger(__name__)


def run_incremental(source: str, settings: Settings, console: Console) -> int:
    """One incremental run of ``source``; the exit code: 0, or 1 when a scope failed."""
    try:
        collector = build_collector(source, settings)
        engine = jobs.open_warehouse(settings)
        report = collect_incremental(
            engine, collector, settings.schedule, settings.load.slice_hours, settings.mapping,
            progress=lambda w: console.print(f"{source}: collected [{w.start}, {w.end})", highlight=False))
    except (InsightError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1
    if not report.windows:
        console.print(f"{source}: up to date")
    else:
        console.print(f"{source}: {report.rows:,} rows loaded in {len(report.windows)} windows")
    for failure in report.failures:
        console.print(f"[yellow]failed:[/yellow] {failure}", highlight=False)
    return 1 if report.failures else 0


def run_all(settings: Settings) -> bool:
    """Every configured source, incrementally; a failing source is logged and the others go on, and a
    warehouse that cannot be opened (another process holds it) skips this run, not the schedule.
    Whether everything was collected (no source or scope failed)."""
    try:
        engine = jobs.open_warehouse(settings)
    except InsightError as exc:
        log.error("no collection this run: %s", exc)
        return False
    ok = True
    try:
        for name, collector in configured_sources(settings).items():
            try:
                report = collect_incremental(engine, collector, settings.schedule, settings.load.slice_hours,
                                             settings.mapping)
            except InsightError as exc:
                log.error("%s: %s", name, exc)
                ok = False
                continue
            log.info("%s: %d rows in %d windows, %d failures", name, report.rows, len(report.windows),
                     len(report.failures))
            ok = ok and not report.failures
    finally:
        engine.dispose()  # a DuckDB file is free for other processes between runs
    return ok


def _every(minutes: int, job: Callable[[], object]) -> None:
    """``job`` now and then every ``minutes`` (APScheduler), one at a time in this, the main thread,
    where SIGINT and SIGTERM raise Interrupted (cli.main): a run that overran its interval is followed
    at once, never by a backlog of runs. A signal during a run stops the scheduler after the loader
    has marked the run's collection runs interrupted; between runs it stops it at once."""
    from apscheduler.jobstores.base import JobLookupError
    from apscheduler.schedulers.blocking import BlockingScheduler

    stopped: list[interrupts.Interrupted] = []
    # The debug executor runs the job in the scheduler's own (main) thread, where signals arrive; in a
    # pool thread they would never reach the collection.
    scheduler = BlockingScheduler(timezone="UTC", executors={"default": {"type": "debug"}})

    def run() -> None:
        try:
            job()
        except interrupts.Interrupted as exc:  # APScheduler would log it and go on: stop instead
            stopped.append(exc)
            scheduler.shutdown(wait=False)

    scheduler.add_job(run, "interval", minutes=minutes, next_run_time=datetime.now(UTC), max_instances=1,
                      coalesce=True, id="collect-all")
    try:
        scheduler.start()
    except JobLookupError:  # shut down from inside its job, the scheduler no longer finds the job
        if not stopped:
            raise
    if stopped:
        raise stopped[0]


def register(app: typer.Typer) -> None:
    """Add ``completeness`` and ``schedule`` to ``app``."""

    @app.command()
    def completeness(
        source: Annotated[str, typer.Argument(help="Source name, e.g. prometheus.")],
        start: Annotated[datetime | None, typer.Option(help="First day (UTC); default: 7 days ago.")] = None,
        end: Annotated[datetime | None, typer.Option(help="End, exclusive (UTC); default: last complete hour.")]
        = None,
        config: ConfigOption = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Hours collected and hours with data per scope and day: gaps and failed windows show here."""
        from warehouse import runs
        from warehouse.schema import FACT_TABLES

        settings = load_or_exit(config)
        now = datetime.now(UTC).replace(tzinfo=None)
        stop = floor_hour(end) if end else last_complete_hour(now, settings.schedule)
        begin = floor_hour(start) if start else (stop - timedelta(days=7)).replace(hour=0)
        window = window_or_exit(begin, stop)
        engine = warehouse_for_reading(settings)
        frame = runs.completeness(engine, source, window, list(FACT_TABLES.values()))
        emit(frame, fmt, f"{source} completeness")

    @app.command()
    def schedule(
        config: ConfigOption = None,
        once: Annotated[bool, typer.Option(help="Run every source once and exit (1 when a source or cluster failed).")
                        ] = False,
    ) -> None:
        """Collect every configured source incrementally every schedule.interval_minutes; SIGINT or
        SIGTERM mark the runs in progress interrupted and stop it (exit 130 / 143)."""
        settings = load_or_exit(config)
        if settings.schedule.metrics_port:
            from prometheus_client import start_http_server

            from ecs_insight.health import registry_for

            try:
                engine = jobs.open_warehouse(settings)
            except InsightError as exc:
                raise fail(exc) from None
            start_http_server(settings.schedule.metrics_port, addr=settings.server.host,
                              registry=registry_for(engine))
            log.info("health metrics at http://%s:%d/metrics", settings.server.host, settings.schedule.metrics_port)
        if once:  # for cron and CI: exit 1 when anything was not collected
            raise typer.Exit(0 if run_all(settings) else 1)
        _every(settings.schedule.interval_minutes, lambda: run_all(settings))

