"""Text for amounts and quantities as finance reads them: exact cents, thousands separators."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def to_cents(value: Decimal | int | str) -> Decimal:
    """``value`` rounded half-up to the cent (Decimal in, Decimal out: no float on the way)."""
    cents = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return cents if cents else Decimal("0.00")  # never "-0.00"


def money(value: Decimal | int | str | None) -> str:
    """``1234.565`` -> ``"1,234.57"``; ``None`` -> ``""``."""
    if value is None:
        return ""
    return f"{to_cents(value):,.2f}"


def money_sum(values: Iterable[Decimal]) -> Decimal:
    """Exact sum of Decimal amounts."""
    return sum(values, Decimal(0))


def quantity(value: float | None, decimals: int = 1) -> str:
    """Core-hours or GiB-hours with thousands separators."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    # Through the shortest decimal repr, so 0.25 shows as 0.3 (half-up), as on a calculator.
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{exact:,.{decimals}f}"


def percent(part: Decimal, whole: Decimal) -> str:
    """Share of ``whole`` as ``"12.3 %"``; ``"< 0.1 %"`` for a small non-zero share; empty when
    ``whole`` is zero."""
    if not whole:
        return ""
    share = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if not share and part:
        return "< 0.1 %" if part * whole > 0 else "> -0.1 %"
    return f"{share} %"


def currency_label(code: str, display: str = "code") -> str:
    """The label of a currency: the ISO code, or its symbol when ``display`` is 'symbol'."""
    if display == "symbol":
        return _SYMBOLS.get(code, code)
    return code


def month_label(month: str) -> str:
    """``"2025-03"`` -> ``"March 2025"`` (the value itself when it is not ``YYYY-MM``)."""
    try:
        year, mon = month.split("-")
        return f"{_MONTH_NAMES[int(mon) - 1]} {int(year)}"
    except (ValueError, IndexError):
        return month


def short_month_label(month: str) -> str:
    """``"2025-03"`` -> ``"Mar 2025"``."""
    long = month_label(month)
    return long if long == month else f"{long[:3]} {long.split()[-1]}"
