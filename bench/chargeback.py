"""Chargeback statement of one month: the pools model end to end (facts summed in the engine,
allocation, Decimal lines) against a bare ``GROUP BY namespace`` of ``SUM(GREATEST(usage,
request))`` over the same month of facts, in the same process.

The statement reads the daily pod rollup that every load keeps in step; ``rollup_refresh_seconds``
reports what recomputing the whole month's rollup from the pod-hours costs (loads pay it a day at a
time).

The warehouse of a profile is built once (with the synthetic estate, a day per slice) and kept
under the system's temporary directory; later runs reuse it. ``--postgres-url`` builds the same
profile into that PostgreSQL database (once) and measures it too.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from analytics.namespace_mapping import NamespaceMappingConfig
from chargeback.config import CostModelConfig
from chargeback.statement import compute_statement, read_inventory
from common.windows import Window, next_month
from estate import EstateConfig, SyntheticEstate, SyntheticSource
from ingest import collect_slices, plan_slices
from warehouse.access import open_engine
from warehouse.chargeback_facts import bare_effective_by_namespace, month_facts
from warehouse.config import WarehouseConfig
from warehouse.rollups import refresh_pod_usage_daily
from warehouse.schema import pod_usage_hourly

ROUNDS = 2


def cache_path(profile: str) -> Path:
    return Path(tempfile.gettempdir()) / "ecs-insight-bench" / f"chargeback-{profile}.duckdb"


def bench_cost_model(profile: str, cost_model: CostModelConfig) -> CostModelConfig:
    """The given cost model (the demo config's) with the entitlements of the profile's sectors only."""
    sectors = set(SyntheticEstate(EstateConfig(profile=profile)).dimensions()["sector"]["sector_id"])
    return cost_model.model_copy(update={"entitlements": [e for e in cost_model.entitlements if e.sector in sectors]})


def _month(profile: str) -> Window:
    start = SyntheticEstate(EstateConfig(profile=profile)).window.start
    return Window(start, next_month(start))


def _pod_hours(engine: sa.Engine, window: Window) -> int:
    p = pod_usage_hourly.c
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(p.hour >= window.start, p.hour < window.end))
                   .scalar_one())


def prepared(url: str, profile: str, window: Window, mapping: NamespaceMappingConfig) -> sa.Engine:
    """The profile's warehouse, built (a day per slice) unless it already holds the month."""
    engine = open_engine(WarehouseConfig(url=url))
    if _pod_hours(engine, window) == 0:
        estate = SyntheticEstate(EstateConfig(profile=profile))
        report = collect_slices(engine, SyntheticSource(estate), plan_slices([estate.window], 24), mapping)
        if report.failures:
            raise RuntimeError(f"bench warehouse build failed: {report.failures[:3]}")
    return engine


def _best(fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _refresh_rollup(engine: sa.Engine, window: Window, source: str | None) -> float:
    """Seconds to recompute the month's daily rollup from its pod-hours: the cost loads pay (a day at a
    time) so that statements need not scan every pod-hour."""
    p = pod_usage_hourly.c
    with engine.connect() as conn:
        scopes = conn.execute(sa.select(p.source, p.cluster_id).distinct()
                              .where(p.hour >= window.start, p.hour < window.end)).all()
    clusters: dict[str, list[str]] = {}
    for found, cluster_id in scopes:
        if source is None or found == source:
            clusters.setdefault(found, []).append(cluster_id)
    start = time.perf_counter()
    with engine.begin() as conn:
        for found, ids in clusters.items():
            refresh_pod_usage_daily(conn, found, ids, window)
    return time.perf_counter() - start


def measure(engine: sa.Engine, window: Window, config: CostModelConfig) -> dict[str, Any]:
    month = window.start.strftime("%Y-%m")
    bare_effective_by_namespace(engine, window)  # warm the engine's caches for both
    baseline = _best(lambda: bare_effective_by_namespace(engine, window))
    statement_seconds = _best(lambda: compute_statement(engine, month, config))
    start = time.perf_counter()
    facts = month_facts(engine, window, config.allocation.source)
    sql_seconds = time.perf_counter() - start
    inventory = read_inventory(engine)
    start = time.perf_counter()
    statement = compute_statement(engine, month, config, inventory=inventory, facts=facts)
    allocation_seconds = time.perf_counter() - start
    rollup_seconds = _refresh_rollup(engine, window, config.allocation.source)
    return {"seconds": round(statement_seconds, 3), "baseline_seconds": round(baseline, 3),
            "ratio": round(statement_seconds / baseline, 2) if baseline else None,
            "sql_seconds": round(sql_seconds, 3), "allocation_seconds": round(allocation_seconds, 3),
            "rollup_refresh_seconds": round(rollup_seconds, 3),
            "pod_hours": _pod_hours(engine, window), "reduced_rows": len(facts.usage), "lines": len(statement.lines),
            "total": str(statement.total), "month": month}


def run(profile: str = "demo", postgres_url: str | None = None, *, cost_model: CostModelConfig,
        mapping: NamespaceMappingConfig, **_: Any) -> dict[str, Any]:
    """``cost_model`` and ``mapping``: the demo config's, given by the command line."""
    window = _month(profile)
    path = cache_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = bench_cost_model(profile, cost_model)
    engine = prepared(f"duckdb:///{path}", profile, window, mapping)
    try:
        duck = measure(engine, window, config)
    finally:
        engine.dispose()
    result: dict[str, Any] = {
        "bench": "chargeback", "profile": profile, "engine": "duckdb",
        "baseline": "bare GROUP BY namespace of SUM(GREATEST(usage, request)) over the same month",
        **duck,
    }
    if postgres_url:
        pg_engine = prepared(postgres_url, profile, window, mapping)
        try:
            pg = measure(pg_engine, window, config)
        finally:
            pg_engine.dispose()
        result["postgresql"] = pg
    return result
