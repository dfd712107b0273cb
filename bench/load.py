"""Load throughput: rows/s of the warehouse's bulk path into DuckDB and PostgreSQL.

Baseline: a plain executemany INSERT of a sample of the same rows, in the same process.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from estate import EstateConfig, SyntheticEstate
from warehouse.engine import create_warehouse_engine
from warehouse.load import conform_frame, insert_rows, replace_slice
from warehouse.migrate import upgrade
from warehouse.schema import pod_usage_hourly

TABLE = "pod_usage_hourly"
TARGET_ROWS = {"tiny": 20_000, "demo": 2_000_000, "enterprise": 5_000_000}
BASELINE_ROWS = {"tiny": 2_000, "demo": 20_000, "enterprise": 20_000}


def sample_frame(profile: str, rows: int) -> tuple[pd.DataFrame, Window]:
    """About ``rows`` pod-hour rows of the profile's estate, relabelled as one slice."""
    estate = SyntheticEstate(EstateConfig(profile=profile))
    frames: list[pd.DataFrame] = []
    total = 0
    for piece in estate.window.split(pd.Timedelta(hours=24).to_pytimedelta()):
        for batch in estate.collect(piece, tables={TABLE}):
            frames.append(batch.frame)
            total += len(batch.frame)
        if total >= rows:
            break
    frame = pd.concat(frames, ignore_index=True).head(rows)
    frame["cluster_id"] = "bench"
    window = Window(frame["hour"].min().to_pydatetime(),
                    frame["hour"].max().to_pydatetime() + pd.Timedelta(hours=1).to_pytimedelta())
    return conform_frame(pod_usage_hourly, frame), window


def _time_bulk(engine: sa.Engine, frame: pd.DataFrame, window: Window) -> float:
    start = time.perf_counter()
    replace_slice(engine, TABLE, "synthetic", "bench", window, frame)
    return time.perf_counter() - start


def _time_executemany(engine: sa.Engine, frame: pd.DataFrame) -> float:
    with engine.begin() as conn:
        conn.execute(pod_usage_hourly.delete().where(pod_usage_hourly.c.cluster_id == "baseline"))
    frame = frame.assign(cluster_id="baseline")
    start = time.perf_counter()
    with engine.begin() as conn:
        insert_rows(conn, pod_usage_hourly, frame)
    return time.perf_counter() - start


def _measure(url: str, frame: pd.DataFrame, baseline: pd.DataFrame, window: Window) -> tuple[float, float]:
    """Seconds of the bulk path and of the executemany baseline on the warehouse at ``url``."""
    engine = create_warehouse_engine(url)
    try:
        upgrade(engine)
        bulk = _time_bulk(engine, frame, window)
        plain = _time_executemany(engine, baseline)
        with engine.begin() as conn:
            bench_rows = pod_usage_hourly.c.cluster_id.in_(["bench", "baseline"])
            conn.execute(pod_usage_hourly.delete().where(bench_rows))
    finally:
        engine.dispose()
    return bulk, plain


def run(profile: str = "demo", postgres_url: str | None = None, **_: Any) -> dict[str, Any]:
    frame, window = sample_frame(profile, TARGET_ROWS.get(profile, TARGET_ROWS["demo"]))
    baseline = frame.head(BASELINE_ROWS.get(profile, 20_000))
    with tempfile.TemporaryDirectory() as tmp:
        seconds, base_seconds = _measure(f"duckdb:///{Path(tmp) / 'bench.duckdb'}", frame, baseline, window)
    rows_per_s = len(frame) / seconds
    base_rows_per_s = len(baseline) / base_seconds
    result: dict[str, Any] = {
        "bench": "load",
        "profile": profile,
        "seconds": round(seconds, 3),
        "baseline": f"executemany INSERT of {len(baseline):,} of the same rows into DuckDB",
        "baseline_seconds": round(base_seconds, 3),
        "rows": len(frame),
        "rows_per_s": round(rows_per_s),
        "baseline_rows": len(baseline),
        "baseline_rows_per_s": round(base_rows_per_s),
        "speedup": round(rows_per_s / base_rows_per_s, 1),
    }
    if postgres_url:
        pg_seconds, pg_base = _measure(postgres_url, frame, baseline, window)
        result["postgres_seconds"] = round(pg_seconds, 3)
        result["postgres_rows_per_s"] = round(len(frame) / pg_seconds)
        result["postgres_baseline_rows_per_s"] = round(len(baseline) / pg_base)
    else:
        result["postgres"] = "not run: pass --postgres-url"
    return result
