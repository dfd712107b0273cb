"""Collection runs: what was collected for which (source, scope, window), with rows, status, error."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from warehouse.schema import collection_run

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(engine: sa.Engine, source: str, scope: str, window: Window) -> int:
    with engine.begin() as conn:
        return int(conn.execute(
            collection_run.insert()
            .values(source=source, cluster_id=scope, window_start=window.start, window_end=window.end,
                    started_at=_now(), status=RUNNING, rows=0)
            .returning(collection_run.c.run_id)
        ).scalar_one())


def finish_run(engine: sa.Engine, run_id: int, rows: int, error: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            collection_run.update()
            .where(collection_run.c.run_id == run_id)
            .values(finished_at=_now(), rows=rows, status=FAILED if error else SUCCEEDED, error=error)
        )


def recent_runs(engine: sa.Engine, limit: int = 50) -> pd.DataFrame:
    query = sa.select(collection_run).order_by(collection_run.c.run_id.desc()).limit(limit)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(collection_run.c.keys()))
