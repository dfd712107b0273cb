"""Incremental collection, the same for every source: from the watermark to the last complete hour,
plus a refill of recent failed windows.

The watermark of a scope (cluster or vCenter) is the end of the latest window a succeeded run
covered (collection_run holds it, no other state). A source whose data lands late (logs shipped
with a backlog) is collected again for its last ``recollect_hours`` on every run. A run starts at
the oldest scope watermark, so a cluster that failed is collected again with the next run, and
re-collecting the others only replaces their slices. Holes behind a watermark (a window that
failed while later ones succeeded) are refilled while they are younger than ``refill_days``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from analytics.namespace_mapping import NamespaceMappingConfig
from collectors.base import Collector
from common.windows import Window, floor_hour
from ingest.config import ScheduleConfig
from ingest.loader import LoadReport
from ingest.planning import collect_slices, plan_slices
from warehouse import runs

log = logging.getLogger(__name__)


def last_complete_hour(now: datetime, schedule: ScheduleConfig) -> datetime:
    """End (exclusive) of the hours that are complete at ``now``."""
    return floor_hour(now - timedelta(minutes=schedule.settle_minutes))


def plan(engine: sa.Engine, source: str, schedule: ScheduleConfig, now: datetime) -> list[Window]:
    """Windows to collect now: refills of holes, then [oldest watermark, last complete hour), reaching
    back at least the source's ``recollect_hours`` for data that lands late."""
    end = last_complete_hour(now, schedule)
    floor = end - timedelta(hours=schedule.max_catchup_hours)
    marks = runs.active_watermarks(engine, source)
    start = min(marks.values()) if marks else end - timedelta(hours=schedule.first_run_hours)
    late = schedule.recollect_hours.get(source, 0)
    start = max(min(start, end - timedelta(hours=late)), floor)
    windows: list[Window] = []
    if schedule.refill_days:
        since = end - timedelta(days=schedule.refill_days)
        holes = sorted({w for _, w in runs.uncovered_failures(engine, source, since)})
        for hole in _merge(holes):
            if hole.start < start:  # the main window covers the rest
                windows.append(Window(hole.start, min(hole.end, start)))
    if start < end:
        windows.append(Window(start, end))
    return windows


def _merge(windows: list[Window]) -> list[Window]:
    out: list[Window] = []
    for w in sorted(windows):
        if out and w.start <= out[-1].end:
            out[-1] = Window(out[-1].start, max(out[-1].end, w.end))
        else:
            out.append(w)
    return out


def collect_incremental(engine: sa.Engine, collector: Collector, schedule: ScheduleConfig, slice_hours: int,
                        mapping: NamespaceMappingConfig | None = None, now: datetime | None = None,
                        progress: Callable[[Window], None] | None = None) -> LoadReport:
    """Collect what ``plan`` says, a slice at a time; every slice is recorded as runs per scope."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    slices = plan_slices(plan(engine, collector.source, schedule, now), slice_hours)
    report = collect_slices(engine, collector, slices, mapping, on_slice=progress)
    if not report.windows:
        log.info("%s: nothing to collect (up to date)", collector.source)
    return report
