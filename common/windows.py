"""UTC window arithmetic: hour floors, month bounds and slicing a window into pieces."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOUR = timedelta(hours=1)


def as_utc_naive(ts: datetime) -> datetime:
    """A timestamp as naive UTC (the warehouse convention); aware values are converted."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts


def floor_hour(ts: datetime) -> datetime:
    return as_utc_naive(ts).replace(minute=0, second=0, microsecond=0)


def month_start(ts: datetime) -> datetime:
    return floor_hour(ts).replace(day=1, hour=0)


def next_month(ts: datetime) -> datetime:
    start = month_start(ts)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(
        month=start.month + 1
    )


def parse_month(month: str) -> datetime:
    """'YYYY-MM' to the month's first instant (naive UTC); ValueError names what was expected."""
    try:
        return datetime.strptime(month, "%Y-%m")
    except ValueError as exc:
        raise ValueError(f"month {month!r} is not of the form YYYY-MM") from exc


@dataclass(frozen=True, order=True)
class Window:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc_naive(self.start))
        object.__setattr__(self, "end", as_utc_naive(self.end))
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} is not after its start {self.start}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def hours(self) -> int:
        return int(self.duration / HOUR)

    def whole_hours(self) -> bool:
        """True when both bounds fall on UTC hour starts (what hourly collectors accept)."""
        return floor_hour(self.start) == self.start and floor_hour(self.end) == self.end

    def split(self, step: timedelta) -> Iterator[Window]:
        """Consecutive pieces of at most ``step`` that exactly cover the window."""
        if step <= timedelta(0):
            raise ValueError("step must be positive")
        cursor = self.start
        while cursor < self.end:
            nxt = min(cursor + step, self.end)
            yield Window(cursor, nxt)
            cursor = nxt

    def months(self) -> Iterator[Window]:
        """The window cut at calendar-month boundaries."""
        cursor = self.start
        while cursor < self.end:
            nxt = min(next_month(cursor), self.end)
            yield Window(cursor, nxt)
            cursor = nxt
