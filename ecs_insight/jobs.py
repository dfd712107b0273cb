"""Jobs that wire collectors, the warehouse and the cost models together."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from analytics.namespace_mapping import resolve_namespaces
from chargeback.flat_rate import compute_month
from collectors.base import Batch, Collector
from collectors.synthetic import SyntheticEstate
from common.errors import ConfigError, InsightError
from common.windows import Window
from ecs_insight.settings import Settings
from warehouse import load, runs
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    rows: int = 0
    batches: int = 0
    window: Window | None = None
    failures: list[str] = field(default_factory=list)


def open_warehouse(settings: Settings, *, migrate: bool = True, read_only: bool = False) -> sa.Engine:
    engine = create_warehouse_engine(settings.warehouse.engine_url(), read_only=read_only)
    if migrate and not read_only:
        upgrade(engine)
    return engine


def load_dimensions(engine: sa.Engine, estate: SyntheticEstate, settings: Settings) -> dict[str, int]:
    """Load the estate's dimensions with each namespace resolved to its sector."""
    dims = estate.dimensions()
    dims["namespace"] = resolve_namespaces(
        dims["namespace"], dims["cluster"], set(dims["sector"]["sector_id"]), settings.mapping
    )
    return load.load_dimensions(engine, dims)


def collect_window(engine: sa.Engine, collector: Collector, window: Window) -> LoadReport:
    """Collect one window and load it slice by slice, recording one run per scope.

    A failing scope is recorded as a failed run and the other scopes still load; a collector that
    fails outright fails every scope it had started.
    """
    report = LoadReport()
    open_runs: dict[str, tuple[int, int]] = {}
    failed: dict[str, str] = {}

    def run_for(scope: str) -> int:
        if scope not in open_runs:
            open_runs[scope] = (runs.start_run(engine, collector.source, scope, window), 0)
        return open_runs[scope][0]

    try:
        for batch in collector.collect(window):
            run_id = run_for(batch.scope)
            if batch.scope in failed:
                continue
            try:
                rows = _load_batch(engine, batch)
            except InsightError as exc:
                failed[batch.scope] = f"{batch.table}: {exc}"
                log.error("loading %s for %s failed: %s", batch.table, batch.scope, exc)
                continue
            open_runs[batch.scope] = (run_id, open_runs[batch.scope][1] + rows)
            report.rows += rows
            report.batches += 1
    except InsightError as exc:
        for scope in open_runs:
            failed.setdefault(scope, str(exc))
        if not open_runs:
            failed[collector.source] = str(exc)
            runs.finish_run(engine, runs.start_run(engine, collector.source, collector.source, window), 0,
                            error=str(exc))
    for scope, (run_id, rows) in open_runs.items():
        runs.finish_run(engine, run_id, rows, error=failed.get(scope))
    report.failures.extend(f"{scope}: {err}" for scope, err in failed.items())
    return report


def _load_batch(engine: sa.Engine, batch: Batch) -> int:
    return load.replace_slice(engine, batch.table, batch.source, batch.scope, batch.window, batch.frame)


def build_from_synthetic(engine: sa.Engine, settings: Settings, progress: Progress | None = None,
                         on_start: Callable[[int], None] | None = None) -> LoadReport:
    """Load the simulated estate's whole period into the warehouse, one slice at a time."""
    if settings.sources.synthetic is None:
        raise ConfigError("the synthetic source is turned off", field="sources.synthetic")
    estate = SyntheticEstate(settings.sources.synthetic)
    load_dimensions(engine, estate, settings)
    slices = list(estate.window.split(timedelta(hours=settings.load.slice_hours)))
    if on_start:
        on_start(len(slices))
    total = LoadReport(window=estate.window)
    for piece in slices:
        report = collect_window(engine, estate, piece)
        total.rows += report.rows
        total.batches += report.batches
        total.failures.extend(report.failures)
        if progress:
            progress(1)
    return total


def months_of(window: Window) -> Iterable[str]:
    return [piece.start.strftime("%Y-%m") for piece in window.months()]


def compute_chargeback(engine: sa.Engine, settings: Settings, months: Iterable[str]) -> dict[str, int]:
    return {month: len(compute_month(engine, month, settings.chargeback.flat)) for month in months}
