"""Fact rows as samples on a ``step``-second grid aligned to the Unix epoch.

Each row covers an interval ``[_a, _b)`` (Unix seconds) and owns the grid points inside it. Rows of
one series are contiguous and time ordered; a series ends where the key changes or an interval does
not continue the previous one.

- Counters rise at a constant rate inside each interval and are cumulative across a series' rows,
  so the value at each interval boundary is exactly the sum of the previous rows' facts. Each series
  ends with a closing sample at its last interval's end: ``increase(x[1h])`` evaluated at an hour end
  (Prometheus 2.x ranges include both ends) sees samples on both boundaries and is exact; a series
  that starts off-grid is recovered exactly by Prometheus' extrapolation to zero; one that stops
  mid-hour is over-counted by up to 1.1 steps of its rate (Prometheus extrapolates to the range end).
- Gauges hold the row's value at every sample of its interval; ``gauge_with_peak`` also places a
  peak on one sample while keeping the sample mean.
- Event counters (``steps=True``) step up at the interval's midpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

HOUR_S = 3600
_EPOCH = datetime(1970, 1, 1)

# A counter's per-sample values and each series' closing value, as ``Timeline.counter`` returns them.
CounterSamples = tuple[np.ndarray, np.ndarray]


def epoch_seconds(values: pd.Series) -> np.ndarray:
    """Naive-UTC (or aware) timestamps as integer Unix seconds."""
    ts = pd.to_datetime(values)
    if ts.dt.tz is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ((ts - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


def unix(ts: datetime) -> int:
    """A naive-UTC datetime as Unix seconds (never the local time zone)."""
    return int((ts - _EPOCH).total_seconds())


def grid(lo: int, hi: int, step: int) -> np.ndarray:
    """The grid points in ``[lo, hi)``."""
    return np.arange(-(-lo // step) * step, hi, step, dtype=np.int64)


def with_intervals(frame: pd.DataFrame, start: str, seconds: int | np.ndarray) -> pd.DataFrame:
    """A copy of ``frame`` whose rows cover ``seconds`` from the timestamps in column ``start``."""
    out = frame.copy()
    out["_a"] = epoch_seconds(out[start])
    out["_b"] = out["_a"] + seconds
    return out


def sort_series(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows ordered by series key, then time: the order ``Timeline`` needs."""
    return frame.sort_values([*keys, "_a"], kind="stable").reset_index(drop=True)


def groups_by_key(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """First row of each series: the key changes or the interval does not continue the previous one."""
    changed = np.zeros(len(frame), dtype=bool)
    for k in keys:
        col = frame[k].astype(str).to_numpy()
        changed[1:] |= col[1:] != col[:-1]
    a, b = frame["_a"].to_numpy(), frame["_b"].to_numpy()
    changed[1:] |= a[1:] != b[:-1]
    if len(frame):
        changed[0] = True
    return changed


def _chunks(new_group: np.ndarray, max_rows: int) -> Iterator[slice]:
    """Row slices of about ``max_rows`` rows that never split a series."""
    starts = np.flatnonzero(new_group)
    lo = 0
    while lo < len(new_group):
        cut = starts[np.searchsorted(starts, lo + max_rows, side="left"):]
        hi = int(cut[0]) if len(cut) else len(new_group)
        yield slice(lo, hi)
        lo = hi


def frame_chunks(frame: pd.DataFrame, keys: list[str], max_rows: int) -> Iterator[pd.DataFrame]:
    """``frame`` (sorted by series) in pieces of whole series, so samples are expanded a piece at a time."""
    for part in _chunks(groups_by_key(frame, keys), max_rows):
        yield frame.iloc[part].reset_index(drop=True)


@dataclass
class Timeline:
    """Grid samples of rows sorted by series then time, grouped into series (``g``).

    Row ``i`` covers ``[a[i], b[i])`` and owns the grid points inside it.
    """

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    row: np.ndarray
    row_start: np.ndarray
    group_of_row: np.ndarray
    group_first_row: np.ndarray

    @classmethod
    def build(cls, a: np.ndarray, b: np.ndarray, new_group: np.ndarray, step: int) -> Timeline:
        first = -(-a // step) * step
        counts = np.maximum(0, -(-b // step) - first // step)
        row_start = np.concatenate([[0], np.cumsum(counts)])
        row = np.repeat(np.arange(len(a)), counts)
        t = first[row] + (np.arange(row_start[-1]) - row_start[row]) * step
        group_of_row = np.cumsum(new_group) - 1
        group_first_row = np.concatenate([np.flatnonzero(new_group), [len(a)]])
        return cls(a, b, t.astype(np.int64), row, row_start, group_of_row, group_first_row)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, keys: list[str], step: int) -> Timeline:
        """The timeline of a frame with ``_a``/``_b`` columns, sorted by ``keys`` then time."""
        return cls.build(frame["_a"].to_numpy(), frame["_b"].to_numpy(), groups_by_key(frame, keys), step)

    @property
    def groups(self) -> int:
        return len(self.group_first_row) - 1

    def rows(self, g: int) -> range:
        return range(self.group_first_row[g], self.group_first_row[g + 1])

    def span(self, g: int) -> slice:
        rows = self.rows(g)
        return slice(self.row_start[rows.start], self.row_start[rows.stop])

    def times(self, g: int) -> np.ndarray:
        return self.t[self.span(g)]

    def closing_time(self, g: int) -> int:
        return int(self.b[self.group_first_row[g + 1] - 1])

    def gauge(self, per_row: np.ndarray) -> np.ndarray:
        return np.asarray(per_row, dtype=float)[self.row]

    def gauge_with_peak(self, mean: np.ndarray, peak: np.ndarray) -> np.ndarray:
        """Samples whose per-row mean is ``mean`` and whose per-row maximum is ``peak`` where possible."""
        values = self.gauge(mean)
        n = np.diff(self.row_start).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = (n * mean - peak) / (n - 1)
        ok = (n > 1) & np.isfinite(peak) & (peak > mean) & (rest >= 0)
        pos = np.arange(len(self.t)) - self.row_start[self.row]
        is_peak = pos == (n[self.row] // 2)
        values = np.where(ok[self.row], np.where(is_peak, peak[self.row], rest[self.row]), values)
        return values

    def counter(self, inc: np.ndarray, *, steps: bool = False) -> CounterSamples:
        """Per-sample values of a counter from 0 per group, and each group's closing value.

        ``steps``: the row's increment lands at its midpoint (events) instead of at a constant rate.
        """
        inc = np.nan_to_num(np.asarray(inc, dtype=float), nan=0.0)
        total = pd.Series(inc).groupby(self.group_of_row).cumsum().to_numpy()
        before = total - inc
        r = self.row
        if steps:
            mid = (self.a + self.b) / 2
            values = before[r] + np.where(self.t >= mid[r], inc[r], 0.0)
        else:
            frac = (self.t - self.a[r]) / (self.b[r] - self.a[r])
            values = before[r] + inc[r] * frac
        closing = total[self.group_first_row[1:] - 1]
        return values, closing
