"""Writing result tables: each result set replaces its previous version atomically."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from warehouse.load import conform_frame, insert_rows
from warehouse.schema import chargeback_result


def replace_chargeback_lines(engine: sa.Engine, month: str, model: str, lines: pd.DataFrame) -> int:
    """Replace the lines of (month, model) by ``lines`` in one transaction."""
    frame = conform_frame(chargeback_result, lines)
    with engine.begin() as conn:
        conn.execute(chargeback_result.delete().where(chargeback_result.c.month == month,
                                                      chargeback_result.c.model == model))
        if not frame.empty:
            insert_rows(conn, chargeback_result, frame)
    return len(frame)
