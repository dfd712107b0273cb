"""Sectors as reports name them: the sector a statement is asked for, and cost per sector."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from chargeback.stored import StoredStatement
from common.errors import ConfigError
from common.names import UNALLOCATED
from reports.frame import FrameReport
from warehouse.dimensions import read_dimension
from warehouse.queries import chargeback_months, cost_by_sector_month


def check_sector(engine: sa.Engine, sector: str | None, stored: StoredStatement,
                 configured: Collection[str] = ()) -> None:
    """Refuse a sector neither configured (else: on the statement's lines, or UNALLOCATED) nor in the
    warehouse's sector table, naming the known ones."""
    if sector is None:
        return
    known = set(configured) or set(stored.lines["sector_id"]) | {UNALLOCATED}
    known |= set(read_dimension(engine, "sector")["sector_id"])
    if sector not in known:
        raise ConfigError(f"unknown sector {sector!r}; known sectors: {', '.join(sorted(known))}", field="--sector")


@dataclass(frozen=True, kw_only=True)
class SectorCosts(FrameReport):
    """A month's chargeback results per sector in one cost model (the totals of the app's cost page)."""

    month: str
    model: str
    months_with_results: tuple[str, ...] = ()  # looked up only when the month has none

    @property
    def missing_note(self) -> str:
        known = ", ".join(self.months_with_results) or "none"
        return f"no chargeback for {self.month} in cost model {self.model!r}; months with results: {known}"


def sector_costs(engine: sa.Engine, month: str, model: str) -> SectorCosts:
    frame = cost_by_sector_month(engine, model, first_month=month, last_month=month)
    months = tuple(chargeback_months(engine, model)) if frame.empty else ()
    return SectorCosts(frame=frame, title=f"chargeback {month}, cost model {model}", month=month, model=model,
                       months_with_results=months)
