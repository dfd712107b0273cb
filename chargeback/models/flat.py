"""The flat rate as a cost model: effective core-hours and GiB-hours per namespace x one rate each
(:mod:`chargeback.flat_rate`); it publishes namespace results and no statement."""

from __future__ import annotations

from chargeback.flat_rate import month_lines
from chargeback.inputs import MonthInputs
from chargeback.models.base import Priced, register
from common.names import FLAT_MODEL


class FlatRateModel:
    name = FLAT_MODEL

    def price(self, month: MonthInputs) -> Priced:
        return Priced(results=month_lines(month.engine, month.month, month.flat))


MODEL = register(FlatRateModel())
