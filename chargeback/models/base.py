"""The cost model protocol and its registry.

A cost model prices one month (:class:`~chargeback.inputs.MonthInputs`) into :class:`Priced`:
statement lines and the pools they share out (the pools model, the rate card), or the month's
per-namespace result rows without a statement (the flat rate). Each model registers itself by the
name the settings use; :func:`get_model` looks it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from chargeback.inputs import MonthInputs
from chargeback.types import Pool, StatementLine
from common.registry import Registry


@dataclass(frozen=True)
class Priced:
    """A month as a cost model charges it."""

    lines: tuple[StatementLine, ...] = ()
    pools: tuple[Pool, ...] = ()
    # rows of chargeback_result, for a model that publishes namespace totals without a statement
    results: pd.DataFrame | None = None

    @property
    def is_statement(self) -> bool:
        return self.results is None


class CostModel(Protocol):
    """One way of pricing a month, registered by name."""

    @property
    def name(self) -> str: ...

    def price(self, month: MonthInputs) -> Priced: ...


MODELS: Registry[CostModel] = Registry("cost model", field="chargeback.cost_model.model")


def register(model: CostModel) -> CostModel:
    """Make ``model`` available under its name (call it where the model is defined)."""
    return MODELS.register(model)


def get_model(name: str) -> CostModel:
    """The registered model of that name; an unknown name is a configuration error naming the known ones."""
    return MODELS.get(name)


def model_names() -> list[str]:
    return MODELS.names()
