"""Jobs that wire settings to the warehouse, the ingest stage and the cost models."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from chargeback.publish import compute_month_results
from common.errors import ConfigError
from common.windows import Window
from ecs_insight.settings import Settings
from estate import SyntheticEstate, SyntheticSource
from ingest import LoadReport, collect_slices, plan_slices
from warehouse import runs
from warehouse.access import open_engine

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


def open_warehouse(settings: Settings, *, migrate: bool = True, read_only: bool = False) -> sa.Engine:
    """The configured warehouse (``warehouse.access.open_engine``). A command that writes first marks
    ``abandoned`` the runs left ``running`` by a process that is gone (``runs.mark_abandoned``)."""
    engine = open_engine(settings.warehouse, migrate=migrate, read_only=read_only)
    if migrate and not read_only:
        for run in runs.mark_abandoned(engine):
            log.warning("run %d (%s %s [%s, %s)) marked abandoned: process %s on %s is gone", run.run_id,
                        run.source, run.cluster_id, run.window_start, run.window_end, run.pid, run.host)
    return engine


def build_from_synthetic(engine: sa.Engine, settings: Settings, progress: Progress | None = None,
                         on_start: Callable[[int], None] | None = None) -> LoadReport:
    """Load the simulated estate's whole period into the warehouse, one slice at a time."""
    if settings.sources.synthetic is None:
        raise ConfigError("the synthetic source is turned off", field="sources.synthetic")
    estate = SyntheticEstate(settings.sources.synthetic)
    source = SyntheticSource(estate)  # sends the inventory with the first window
    slices = plan_slices([estate.window], settings.load.slice_hours)
    if on_start:
        on_start(len(slices))
    report = collect_slices(engine, source, slices, settings.mapping,
                            on_slice=(lambda _: progress(1)) if progress else None)
    report.window = estate.window
    return report


def months_of(window: Window) -> Iterable[str]:
    return [piece.start.strftime("%Y-%m") for piece in window.months()]


def compute_chargeback(engine: sa.Engine, settings: Settings, months: Iterable[str]) -> dict[str, int]:
    """Flat-rate results per month; with a price list configured, the cost model's statement drafts too."""
    return compute_month_results(engine, months, flat=settings.chargeback.flat,
                                 cost_model=settings.chargeback.cost_model)
