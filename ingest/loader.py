"""Collect one window and load it: one collection run per scope, slices replaced, faults isolated."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from analytics.namespace_mapping import NamespaceMappingConfig
from collectors.base import Collector, ScopeFailure
from common import interrupts
from common.errors import InsightError
from common.windows import Window
from ingest import validate
from ingest.dimensions import load_dimension
from ingest.preview import Replacement
from warehouse import load, runs
from warehouse.schema import DIMENSION_TABLES

log = logging.getLogger(__name__)

FLUSH_ROWS = 2_000_000  # rows gathered before one loading transaction; bounds memory per step


@dataclass
class LoadReport:
    """What a collection loaded: rows, slices written, the windows collected and each scope's failure."""

    rows: int = 0
    batches: int = 0
    window: Window | None = None
    failures: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)  # filled by callers that preview

    def add(self, other: LoadReport) -> None:
        self.rows += other.rows
        self.batches += other.batches
        self.failures.extend(other.failures)
        self.windows.extend(other.windows)


class RunTracker:
    """One collection run per scope of a window: rows loaded, and the first error if any."""

    def __init__(self, engine: sa.Engine, source: str, window: Window) -> None:
        self.engine, self.source, self.window = engine, source, window
        self.run_ids: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.errors: dict[str, str] = {}
        self.rejections: dict[str, list[validate.Rejection]] = {}
        self.finished: set[str] = set()

    def open(self, scope: str) -> None:
        if scope not in self.run_ids:
            self.run_ids[scope] = runs.start_run(self.engine, self.source, scope, self.window)
            self.rows[scope] = 0

    def fail(self, scope: str, error: str) -> None:
        self.open(scope)
        self.errors.setdefault(scope, error)
        log.error("%s %s [%s, %s): %s", self.source, scope, self.window.start, self.window.end, error)

    def reject(self, scope: str, rejections: list[validate.Rejection]) -> None:
        """Rows refused for impossible values: the rest of the scope still loads, its run fails."""
        if rejections:
            self.rejections.setdefault(scope, []).extend(rejections)
            log.warning("%s %s: %s", self.source, scope, validate.summary(rejections))

    def error(self, scope: str) -> str | None:
        parts = [self.errors.get(scope)]
        if scope in self.rejections:
            parts.append(validate.summary(self.rejections[scope]))
        return "; ".join(p for p in parts if p) or None

    def finish(self) -> LoadReport:
        for scope, run_id in self.run_ids.items():
            if scope not in self.finished:
                runs.finish_run(self.engine, run_id, self.rows[scope], error=self.error(scope))
                self.finished.add(scope)
        failures = [f"{scope}: {err}" for scope in self.run_ids if (err := self.error(scope))]
        return LoadReport(rows=sum(self.rows.values()), windows=[self.window], failures=failures)

    def interrupt(self, reason: str) -> list[str]:
        """Finish the runs still open as ``interrupted`` with ``reason``; their descriptions. The rows
        are those of the slices already committed (each flush is one transaction)."""
        stopped = []
        for scope, run_id in self.run_ids.items():
            if scope not in self.finished:
                runs.finish_run(self.engine, run_id, self.rows[scope], error=reason, status=runs.INTERRUPTED)
                self.finished.add(scope)
                stopped.append(f"{self.source} {scope} [{self.window.start}, {self.window.end})")
        return stopped


def _flush(engine: sa.Engine, pending: list[load.Slice], tracker: RunTracker) -> int:
    """Load gathered slices in one transaction; if that fails, slice by slice to isolate the fault."""
    if not pending:
        return 0
    pending = _within_capacity(pending, tracker)
    try:
        load.replace_slices(engine, pending)
        done = pending
    except SQLAlchemyError:
        interrupts.check()  # a driver that turned a signal into its own error: stop, do not retry
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


def _within_capacity(pending: list[load.Slice], tracker: RunTracker) -> list[load.Slice]:
    """Pod slices with the pod-hours above their node's capacity (node rows of the same flush) dropped."""
    nodes: dict[str, list[pd.DataFrame]] = {}
    for piece in pending:
        if piece.table.name == "node_hourly" and len(piece.frame):
            nodes.setdefault(piece.scope, []).append(piece.frame)
    if not nodes:
        return pending
    out = []
    for piece in pending:
        if piece.table.name == "pod_usage_hourly" and piece.scope in nodes:
            checked = validate.check_capacity(piece.frame, pd.concat(nodes[piece.scope], ignore_index=True))
            if checked.rejections:
                tracker.reject(piece.scope, checked.rejections)
                piece = replace(piece, frame=checked.frame)
        out.append(piece)
    return out


def collect_window(engine: sa.Engine, collector: Collector, window: Window,
                   mapping: NamespaceMappingConfig | None = None) -> LoadReport:
    """Collect one window and load it, recording one run per scope (cluster or vCenter).

    A scope whose data is refused is recorded as a failed run and the other scopes still load; a
    collector that fails outright fails the runs it had started (or one run for the source).
    Each slice replaces exactly its (source, scope, window), so a failed window can be re-collected.
    Every fact batch passes :mod:`ingest.validate` first: rows with impossible values are dropped,
    the rest loads, and the scope's run fails with the rejected rows named in its error.
    Dimension batches (nodes, namespaces, workloads...) are upserted by key as they arrive;
    namespaces are resolved to sectors with ``mapping``.
    """
    tracker = RunTracker(engine, collector.source, window)
    try:
        batches = _collect_into(engine, collector, window, mapping, tracker)
    except InsightError as exc:
        for scope in tracker.run_ids or [collector.source]:
            tracker.fail(scope, str(exc))
        batches = 0
    except (KeyboardInterrupt, SystemExit, interrupts.Interrupted) as exc:
        # a signal (or exit) mid-window: the flushed slices are committed, the pending one is dropped
        stopped = tracker.interrupt(interrupts.reason(exc))
        if isinstance(exc, interrupts.Interrupted):
            exc.runs.extend(stopped)
        raise
    except Exception as exc:  # a fault of ours: record it on the runs rather than leave them running
        for scope in tracker.run_ids:
            tracker.fail(scope, f"{type(exc).__name__}: {exc}")
        tracker.finish()
        raise
    report = tracker.finish()
    report.batches = batches
    return report


def _collect_into(engine: sa.Engine, collector: Collector, window: Window,
                  mapping: NamespaceMappingConfig | None, tracker: RunTracker) -> int:
    """The loop of :func:`collect_window`: the number of slices written."""
    pending: list[load.Slice] = []
    pending_rows = batches = 0
    for batch in collector.collect(window):
        interrupts.check()
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
                load_dimension(engine, batch, mapping or NamespaceMappingConfig())
            except (InsightError, ValueError, SQLAlchemyError) as exc:
                tracker.fail(batch.scope, f"{batch.table}: {exc}")
            continue
        checked = validate.check_batch(batch.table, batch.frame)
        try:
            pending.append(load.prepare_slice(batch.table, batch.source, batch.scope, batch.window,
                                              checked.frame, merge_on=batch.merge_on))
        except InsightError as exc:
            tracker.fail(batch.scope, f"{batch.table}: {exc}")
            continue
        tracker.reject(batch.scope, checked.rejections)
        pending_rows += len(batch.frame)
        if pending_rows >= FLUSH_ROWS:
            batches += _flush(engine, pending, tracker)
            pending, pending_rows = [], 0
    batches += _flush(engine, pending, tracker)
    return batches
