"""How amounts and ratios read in text: money to the cent with thousands separators."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd


def amount(value: Decimal | str | float, signed: bool = False) -> str:
    """Money to the cent with thousands separators; ``signed`` shows + on a rise."""
    return f"{Decimal(value):{'+' if signed else ''},.2f}"


def percent(value: object) -> str:
    """A ratio as a whole percentage; ``-`` when there is none (no requests to compare with)."""
    return "-" if value is None or pd.isna(value) else f"{float(value):.0%}"
