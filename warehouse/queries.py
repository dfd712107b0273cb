"""Read queries over the warehouse: aggregation runs in SQL, callers receive reduced frames.

Every function takes an ``sqlalchemy.Engine`` and builds its statement with SQLAlchemy Core on
the tables of :mod:`warehouse.schema`, using only constructs that DuckDB and PostgreSQL both run
(joins, ``GROUP BY``, ``SUM``, ``CASE``, ``COALESCE``, string comparison of ``YYYY-MM`` months).

Money stays exact: ``Numeric`` columns and their sums arrive as :class:`decimal.Decimal` and are
kept in ``object`` columns of the returned frames (never converted to float). Quantities
(core-hours, GiB-hours) are floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, case, func, literal, select

from common.names import DEFAULT_SHOWN_MODEL, UNALLOCATED, UNALLOCATED_NAME
from warehouse.schema import chargeback_result, cluster, sector

SECTOR_MONTH_COLUMNS = (
    "month",
    "sector_id",
    "sector_name",
    "currency",
    "namespaces",
    "cpu_effective_core_hours",
    "memory_effective_gib_hours",
    "cpu_cost",
    "memory_cost",
    "total_cost",
)

NAMESPACE_COLUMNS = (
    "cluster_id",
    "cluster_name",
    "namespace",
    "application",
    "cost_centre",
    "currency",
    "cpu_effective_core_hours",
    "memory_effective_gib_hours",
    "cpu_cost",
    "memory_cost",
    "total_cost",
)

MONEY_COLUMNS = ("cpu_cost", "memory_cost", "total_cost")


def _frame(engine: Engine, stmt: Select[Any], columns: Sequence[str]) -> pd.DataFrame:
    """Run ``stmt`` and build a frame without coercing Decimal money to float.

    ``pandas.read_sql`` coerces decimals to floats by default; building the frame from the rows
    keeps Decimal values as they came from the driver.
    """
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame.from_records([tuple(r) for r in rows], columns=list(columns))
    for col in MONEY_COLUMNS:
        if col in frame.columns:
            frame[col] = frame[col].astype(object)
    return frame


def _sector_name_expr() -> Any:
    """Display name of a result line's sector: the sector table's name, "Unallocated" for
    unallocated lines, the code itself when the sector table does not know it."""
    return case(
        (chargeback_result.c.sector_id == UNALLOCATED, literal(UNALLOCATED_NAME)),
        else_=func.coalesce(sector.c.name, chargeback_result.c.sector_id),
    )


def chargeback_models(engine: Engine) -> list[str]:
    """Cost models that have results, sorted by name."""
    stmt = select(chargeback_result.c.model).distinct().order_by(chargeback_result.c.model)
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(stmt)]


def chargeback_months(engine: Engine, model: str = DEFAULT_SHOWN_MODEL) -> list[str]:
    """Months (``YYYY-MM``) with chargeback results for ``model``, oldest first."""
    stmt = (
        select(chargeback_result.c.month)
        .where(chargeback_result.c.model == model)
        .distinct()
        .order_by(chargeback_result.c.month)
    )
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(stmt)]


def chargeback_computed_at(engine: Engine, month: str, model: str = DEFAULT_SHOWN_MODEL) -> datetime | None:
    """When the month's results for ``model`` were last computed (naive UTC), or None."""
    stmt = select(func.max(chargeback_result.c.computed_at)).where(
        chargeback_result.c.model == model, chargeback_result.c.month == month
    )
    with engine.connect() as conn:
        return conn.execute(stmt).scalar()


def cost_by_sector_month(
    engine: Engine,
    model: str = DEFAULT_SHOWN_MODEL,
    *,
    first_month: str | None = None,
    last_month: str | None = None,
) -> pd.DataFrame:
    """Chargeback totals per month and sector, for months in ``[first_month, last_month]``.

    Columns: month, sector_id, sector_name, currency, namespaces (result lines summed),
    cpu_effective_core_hours, memory_effective_gib_hours, cpu_cost, memory_cost, total_cost
    (Decimal). A sector billed in two currencies in one month gets one row per currency.
    Ordered by month, then sector_id.
    """
    cr = chargeback_result.c
    name = _sector_name_expr()
    stmt = (
        select(
            cr.month,
            cr.sector_id,
            name.label("sector_name"),
            cr.currency,
            func.count().label("namespaces"),
            func.sum(cr.cpu_effective_core_hours).label("cpu_effective_core_hours"),
            func.sum(cr.memory_effective_gib_hours).label("memory_effective_gib_hours"),
            func.sum(cr.cpu_cost).label("cpu_cost"),
            func.sum(cr.memory_cost).label("memory_cost"),
            func.sum(cr.total_cost).label("total_cost"),
        )
        .select_from(chargeback_result.outerjoin(sector, sector.c.sector_id == cr.sector_id))
        .where(cr.model == model)
        .group_by(cr.month, cr.sector_id, sector.c.name, cr.currency)
        .order_by(cr.month, cr.sector_id, cr.currency)
    )
    if first_month is not None:
        stmt = stmt.where(cr.month >= first_month)
    if last_month is not None:
        stmt = stmt.where(cr.month <= last_month)
    return _frame(engine, stmt, SECTOR_MONTH_COLUMNS)


def cost_by_namespace(
    engine: Engine, month: str, sector_id: str, model: str = DEFAULT_SHOWN_MODEL
) -> pd.DataFrame:
    """One sector's chargeback lines for one month, one row per (cluster, namespace).

    Columns: cluster_id, cluster_name, namespace, application, cost_centre, currency,
    cpu_effective_core_hours, memory_effective_gib_hours, cpu_cost, memory_cost, total_cost
    (Decimal). Ordered by total cost, highest first, then cluster and namespace.
    """
    cr = chargeback_result.c
    stmt = (
        select(
            cr.cluster_id,
            func.coalesce(cluster.c.name, cr.cluster_id).label("cluster_name"),
            cr.namespace,
            cr.application,
            cr.cost_centre,
            cr.currency,
            cr.cpu_effective_core_hours,
            cr.memory_effective_gib_hours,
            cr.cpu_cost,
            cr.memory_cost,
            cr.total_cost,
        )
        .select_from(chargeback_result.outerjoin(cluster, cluster.c.cluster_id == cr.cluster_id))
        .where(cr.model == model, cr.month == month, cr.sector_id == sector_id)
        .order_by(cr.total_cost.desc(), cr.cluster_id, cr.namespace)
    )
    return _frame(engine, stmt, NAMESPACE_COLUMNS)
