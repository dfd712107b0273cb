"""What loading a set of batches would replace, per fact table and UTC day, before it is loaded.

The operator report import prints it (and stops there with ``--dry-run``), so a person sees what an
import takes away before it does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from common.windows import Window
from warehouse import load
from warehouse.schema import DIMENSION_TABLES, time_column


@dataclass(frozen=True)
class Replacement:
    """One fact table's rows on one day, in the slices a load touches: before and after it."""

    table: str
    day: datetime
    before: int
    after: int


def preview(engine: sa.Engine, batches: Iterable[Batch | ScopeFailure]) -> list[Replacement]:
    """Rows before and after loading ``batches``, per (table, day); dimension batches are not counted.
    A batch the warehouse would refuse raises its DataError here, before anything is loaded."""
    counts: dict[tuple[str, datetime], list[int]] = {}
    with engine.connect() as conn:
        for batch in batches:
            if isinstance(batch, ScopeFailure) or batch.table in DIMENSION_TABLES:
                continue
            piece = load.prepare_slice(batch.table, batch.source, batch.scope, batch.window, batch.frame,
                                       merge_on=batch.merge_on)
            for day, (stored, replaced) in load.replaced_rows_per_day(conn, piece).items():
                c = counts.setdefault((batch.table, day), [0, 0])
                c[0] += stored
                c[1] += stored - replaced
            days = pd.to_datetime(piece.frame[time_column(piece.table)]).dt.floor("D")
            for day, n in days.value_counts().items():
                counts.setdefault((batch.table, day.to_pydatetime()), [0, 0])[1] += int(n)
    return [Replacement(table, day, before, after) for (table, day), (before, after) in sorted(counts.items())]


class Replay:
    """A collector that yields batches already collected (so a previewed collection loads as is)."""

    def __init__(self, source: str, batches: list[Batch | ScopeFailure]) -> None:
        self.source = source
        self.batches = batches

    def collect(self, window: Window) -> Iterator[Batch | ScopeFailure]:
        return iter(self.batches)
