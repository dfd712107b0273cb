"""Money arithmetic: cents, and largest-remainder splits that sum to the pool to the cent."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def dec(value: float) -> Decimal:
    """A float (numpy or not) as the Decimal of its shortest repr, without binary noise."""
    return Decimal(repr(float(value)))


def cents(amount: Decimal | float | int) -> Decimal:
    """Round to the cent, half up (floats go through their shortest repr, never binary noise)."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split(pool: Decimal, weights: Sequence[float]) -> list[Decimal]:
    """Split ``pool`` (a whole number of cents) in proportion to ``weights``; the parts sum to it.

    Largest remainder: every part gets the floor of its exact share in cents, and the cents left
    over go, one each, to the parts with the largest fractional remainders (ties to the earlier).
    Zero or negative weights get nothing; with no positive weight the pool cannot be split.
    """
    total_cents = int((pool / CENT).to_integral_value())
    if Decimal(total_cents) * CENT != pool:
        raise ValueError(f"pool {pool} is not a whole number of cents")
    positive = [max(float(w), 0.0) for w in weights]
    weight_sum = sum(positive)
    if weight_sum <= 0:
        raise ValueError("no positive weight to split the pool over")
    sign = -1 if total_cents < 0 else 1
    magnitude = abs(total_cents)
    exact = [dec(w) / dec(weight_sum) * magnitude for w in positive]
    floors = [int(e) for e in exact]
    left = magnitude - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(sign * f) * CENT for f in floors]
