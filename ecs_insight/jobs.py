"""Jobs that wire collectors, the warehouse and the cost models together."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from analytics.namespace_mapping import NamespaceMappingConfig, resolve_namespaces
from analytics.vsphere_mapping import map_vms_to_nodes
from chargeback import lifecycle
from chargeback.flat_rate import compute_month
from collectors.base import Batch, Collector, ScopeFailure
from common.errors import ConfigError, InsightError
from common.windows import Window
from ecs_insight.settings import Settings
from estate import SyntheticEstate, SyntheticSource
from warehouse import load, runs
from warehouse.dimensions import read_dimension
from warehouse.engine import create_warehouse_engine, unavailable_warehouse
from warehouse.migrate import require_current, upgrade
from warehouse.schema import DIMENSION_TABLES

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    rows: int = 0
    batches: int = 0
    window: Window | None = None
    failures: list[str] = field(default_factory=list)


def open_warehouse(settings: Settings, *, migrate: bool = True, read_only: bool = False) -> sa.Engine:
    """An engine on the configured warehouse: migrated to head first when ``migrate`` (commands that
    write), else checked to be at head (commands that only read; they never change the schema)."""
    engine = create_warehouse_engine(settings.warehouse.engine_url(), read_only=read_only)
    try:
        if migrate and not read_only:
            upgrade(engine)
        else:
            require_current(engine)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        if read_only and _held_for_writing_here(exc):
            # This process already writes the DuckDB file (a command run in-process after another):
            # read through the same kind of connection; no other process can hold the file meanwhile.
            return open_warehouse(settings, migrate=False)
        raise unavailable_warehouse(exc, settings.warehouse.display_url()) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def _held_for_writing_here(exc: sa.exc.DBAPIError) -> bool:
    return "same database file with a different configuration" in str(exc.orig)


FLUSH_ROWS = 2_000_000  # rows gathered before one loading transaction; bounds memory per step


class _RunTracker:
    """One collection run per scope of a window: rows loaded, and the first error if any."""

    def __init__(self, engine: sa.Engine, source: str, window: Window) -> None:
        self.engine, self.source, self.window = engine, source, window
        self.run_ids: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.errors: dict[str, str] = {}

    def open(self, scope: str) -> None:
        if scope not in self.run_ids:
            self.run_ids[scope] = runs.start_run(self.engine, self.source, scope, self.window)
            self.rows[scope] = 0

    def fail(self, scope: str, error: str) -> None:
        self.open(scope)
        self.errors.setdefault(scope, error)
        log.error("%s %s [%s, %s): %s", self.source, scope, self.window.start, self.window.end, error)

    def finish(self) -> LoadReport:
        for scope, run_id in self.run_ids.items():
            runs.finish_run(self.engine, run_id, self.rows[scope], error=self.errors.get(scope))
        return LoadReport(rows=sum(self.rows.values()), batches=0,
                          failures=[f"{scope}: {err}" for scope, err in self.errors.items()])


def _flush(engine: sa.Engine, pending: list[load.Slice], tracker: _RunTracker) -> int:
    """Load gathered slices in one transaction; if that fails, slice by slice to isolate the fault."""
    if not pending:
        return 0
    try:
        load.replace_slices(engine, pending)
        done = pending
    except SQLAlchemyError:
        done = []
        for piece in pending:
            try:
                load.replace_slices(engine, [piece])
                done.append(piece)
            except SQLAlchemyError as exc:
                tracker.fail(piece.scope, f"{piece.table.name}: {type(exc).__name__}: {exc.orig or exc}")
    for piece in done:
        tracker.rows[piece.scope] += len(piece.frame)
    return len(done)


def _load_dimension(engine: sa.Engine, batch: Batch, mapping: NamespaceMappingConfig) -> int:
    """Upsert dimension rows; a namespace batch is first resolved to sectors from its labels."""
    frame = batch.frame
    if batch.table == "namespace" and len(frame):
        clusters = read_dimension(engine, "cluster")
        sectors = set(read_dimension(engine, "sector")["sector_id"])
        frame = resolve_namespaces(frame, clusters, sectors, mapping)
    if batch.table == "vsphere_vm" and len(frame):  # which VMs are OpenShift nodes
        frame = map_vms_to_nodes(frame, read_dimension(engine, "node"))
    return load.upsert_dimension(engine, batch.table, frame)


def collect_window(engine: sa.Engine, collector: Collector, window: Window,
                   mapping: NamespaceMappingConfig | None = None) -> LoadReport:
    """Collect one window and load it, recording one run per scope (cluster or vCenter).

    A scope whose data is refused is recorded as a failed run and the other scopes still load; a
    collector that fails outright fails the runs it had started (or one run for the source).
    Each slice replaces exactly its (source, scope, window), so a failed window can be re-collected.
    Dimension batches (nodes, namespaces, workloads...) are upserted by key as they arrive;
    namespaces are resolved to sectors with ``mapping``.
    """
    tracker = _RunTracker(engine, collector.source, window)
    pending: list[load.Slice] = []
    pending_rows = batches = 0
    try:
        for batch in collector.collect(window):
            tracker.open(batch.scope)
            if isinstance(batch, ScopeFailure):
                tracker.fail(batch.scope, str(batch.error))
                pending = [p for p in pending if p.scope != batch.scope]
                pending_rows = sum(len(p.frame) for p in pending)
                continue
            if batch.scope in tracker.errors:
                continue
            if batch.table in DIMENSION_TABLES:
                try:
                    _load_dimension(engine, batch, mapping or NamespaceMappingConfig())
                except (InsightError, ValueError, SQLAlchemyError) as exc:
                    tracker.fail(batch.scope, f"{batch.table}: {exc}")
                continue
            try:
                pending.append(load.prepare_slice(batch.table, batch.source, batch.scope, batch.window,
                                                  batch.frame))
            except InsightError as exc:
                tracker.fail(batch.scope, f"{batch.table}: {exc}")
                continue
            pending_rows += len(batch.frame)
            if pending_rows >= FLUSH_ROWS:
                batches += _flush(engine, pending, tracker)
                pending, pending_rows = [], 0
        batches += _flush(engine, pending, tracker)
    except InsightError as exc:
        for scope in tracker.run_ids or [collector.source]:
            tracker.fail(scope, str(exc))
    report = tracker.finish()
    report.batches = batches
    return report


def build_from_synthetic(engine: sa.Engine, settings: Settings, progress: Progress | None = None,
                         on_start: Callable[[int], None] | None = None) -> LoadReport:
    """Load the simulated estate's whole period into the warehouse, one slice at a time."""
    if settings.sources.synthetic is None:
        raise ConfigError("the synthetic source is turned off", field="sources.synthetic")
    estate = SyntheticEstate(settings.sources.synthetic)
    source = SyntheticSource(estate)  # sends the inventory with the first window
    slices = list(estate.window.split(timedelta(hours=settings.load.slice_hours)))
    if on_start:
        on_start(len(slices))
    total = LoadReport(window=estate.window)
    for piece in slices:
        report = collect_window(engine, source, piece, settings.mapping)
        total.rows += report.rows
        total.batches += report.batches
        total.failures.extend(report.failures)
        if progress:
            progress(1)
    return total


def months_of(window: Window) -> Iterable[str]:
    return [piece.start.strftime("%Y-%m") for piece in window.months()]


def compute_chargeback(engine: sa.Engine, settings: Settings, months: Iterable[str]) -> dict[str, int]:
    """Flat-rate results per month; with a price list configured, the cost model's statement drafts too."""
    counts = {month: len(compute_month(engine, month, settings.chargeback.flat)) for month in months}
    if settings.chargeback.cost_model.price_lists:
        for month in counts:
            lifecycle.refresh(engine, month, settings.chargeback.cost_model)  # a closed month stays as it is
    return counts
