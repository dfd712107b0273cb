"""First chargeback: effective usage (max of request and usage) times a flat rate per unit.

Every line is explainable: core-hours x CPU rate + GiB-hours x memory rate, each rounded to the
cent. Namespaces nothing maps to a sector are kept under an explicit UNALLOCATED sector.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from chargeback.config import FlatRateConfig
from chargeback.rounding import cents, dec
from common.names import FLAT_MODEL, UNALLOCATED
from common.windows import Window, next_month, parse_month
from warehouse.dimensions import read_dimension
from warehouse.results import replace_chargeback_lines
from warehouse.usage import effective_usage_by_namespace

MODEL = FLAT_MODEL
money = cents  # the name the flat-rate tests and dashboards check lines with


def _priced(quantities: pd.Series, rate: Decimal) -> list[Decimal]:
    return [cents(dec(q) * rate) for q in quantities]


def price_lines(usage: pd.DataFrame, mapping: pd.DataFrame, config: FlatRateConfig) -> pd.DataFrame:
    """Chargeback lines from effective usage per (cluster, namespace) and the namespace mapping."""
    keyed = mapping.set_index(["cluster_id", "namespace"])
    basis = usage[["cluster_id", "namespace", "cpu_effective_core_hours", "memory_effective_gib_hours"]]
    lines = basis.join(keyed[["sector_id", "application", "cost_centre"]], on=["cluster_id", "namespace"])
    lines["sector_id"] = lines["sector_id"].where(lines["sector_id"].notna(), UNALLOCATED)
    lines["cpu_cost"] = _priced(lines.cpu_effective_core_hours, config.cpu_core_hour)
    lines["memory_cost"] = _priced(lines.memory_effective_gib_hours, config.memory_gib_hour)
    lines["total_cost"] = [c + m for c, m in zip(lines.cpu_cost, lines.memory_cost, strict=True)]
    lines["currency"] = config.currency
    return lines


def month_lines(engine: sa.Engine, month: str, config: FlatRateConfig) -> pd.DataFrame:
    """One calendar month (YYYY-MM) priced: the result rows of the flat model, not stored."""
    start = parse_month(month)
    usage = effective_usage_by_namespace(engine, Window(start, next_month(start)), source=config.source)
    lines = price_lines(usage, read_dimension(engine, "namespace"), config)
    lines["month"] = month
    lines["model"] = MODEL
    lines["computed_at"] = datetime.now(UTC).replace(tzinfo=None)
    return lines


def compute_month(engine: sa.Engine, month: str, config: FlatRateConfig) -> pd.DataFrame:
    """Price one calendar month (YYYY-MM) and store its lines, replacing earlier ones."""
    lines = month_lines(engine, month, config)
    replace_chargeback_lines(engine, month, MODEL, lines)
    return lines


__all__ = ["MODEL", "FlatRateConfig", "compute_month", "money", "month_lines", "price_lines"]
