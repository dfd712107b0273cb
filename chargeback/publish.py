"""The one chargeback step a run calls after loading: price the months it touched.

Every month gets the flat rate's namespace results (``chargeback_result`` under ``flat``); with a
price list configured, the configured cost model's statement draft too (:func:`lifecycle.refresh`,
which also publishes its namespace totals under ``result_model``; a closed month stays as it is).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from chargeback import lifecycle
from chargeback.config import CostModelConfig, FlatRateConfig
from chargeback.inputs import MonthInputs
from chargeback.models import get_model
from common.names import FLAT_MODEL
from warehouse.results import replace_chargeback_lines


def compute_month_results(engine: sa.Engine, months: Iterable[str], *, flat: FlatRateConfig,
                          cost_model: CostModelConfig) -> dict[str, int]:
    """Price ``months`` (YYYY-MM each) and store what they publish; the number of flat-rate result rows
    of each month."""
    counts: dict[str, int] = {}
    for month in months:
        results = get_model(FLAT_MODEL).price(MonthInputs(engine, month, cost_model, flat)).results
        if results is None:
            raise TypeError(f"cost model {FLAT_MODEL!r} returned no result rows")
        replace_chargeback_lines(engine, month, FLAT_MODEL, results)
        counts[month] = len(results)
    if cost_model.price_lists:
        for month in counts:
            lifecycle.refresh(engine, month, cost_model)
    return counts
