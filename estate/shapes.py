"""Load over time: the business day, the weekend dip and month-on-month growth."""

from __future__ import annotations

from datetime import datetime

import numpy as np

HOURS_PER_MONTH = 720.0  # growth rates are per 30 days
_EPOCH = datetime(1970, 1, 1)  # a Thursday: weekday 3 with Monday = 0


def epoch_hour(ts: datetime) -> int:
    return int((ts - _EPOCH).total_seconds() // 3600)


def load(abs_hour: np.ndarray, utc_offset: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """Relative load in (0, 1], broadcast over its arguments.

    ``abs_hour`` counts hours since 1970-01-01 UTC. The business-day part peaks early afternoon
    local time and mostly vanishes at weekends; weekends also lower the steady part a little.
    """
    local = np.asarray(abs_hour) + np.asarray(utc_offset)
    hour_of_day = local % 24
    weekday = (local // 24 + 3) % 7 < 5
    bump = np.exp(-0.5 * ((hour_of_day - 13.0) / 3.0) ** 2)
    business = np.where(weekday, bump, 0.2 * bump)
    return ((1.0 - amplitude) + amplitude * business) * np.where(weekday, 1.0, 0.85)


def growth(hour_index: np.ndarray, monthly: np.ndarray) -> np.ndarray:
    """Compound growth factor since the estate start (hour index 0)."""
    return (1.0 + np.asarray(monthly)) ** (np.asarray(hour_index) / HOURS_PER_MONTH)
