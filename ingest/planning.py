"""Window planning: a window is collected in slices of ``slice_hours``, and the slices' reports add up.

The one loop behind ad-hoc collection (``collect --start --end``), incremental runs and the load of
the simulated estate's whole history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

import sqlalchemy as sa

from analytics.namespace_mapping import NamespaceMappingConfig
from collectors.base import Collector
from common.windows import Window
from ingest.loader import LoadReport, collect_window


def plan_slices(windows: Iterable[Window], slice_hours: int) -> list[Window]:
    """Every window cut into consecutive slices of at most ``slice_hours``."""
    step = timedelta(hours=slice_hours)
    return [piece for window in windows for piece in window.split(step)]


def collect_slices(engine: sa.Engine, collector: Collector, slices: Iterable[Window],
                   mapping: NamespaceMappingConfig | None = None,
                   on_slice: Callable[[Window], None] | None = None) -> LoadReport:
    """Collect and load each slice in turn (each recorded as runs per scope); the reports summed."""
    total = LoadReport()
    for piece in slices:
        total.add(collect_window(engine, collector, piece, mapping))
        if on_slice:
            on_slice(piece)
    return total
