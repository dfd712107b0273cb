"""UTC window arithmetic (common.windows): properties over generated windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.windows import Window, floor_hour, month_start, next_month, parse_month

T0 = datetime(2026, 1, 1)
starts = st.integers(0, 3 * 365 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m))
lengths = st.integers(1, 400 * 24 * 60).map(lambda m: timedelta(minutes=m))


@given(starts, lengths, st.integers(60, 31 * 24 * 60).map(lambda m: timedelta(minutes=m)))
@settings(deadline=None)  # a long window in hour steps is some 10^4 pieces
def test_split_covers_the_window_exactly_in_pieces_no_longer_than_the_step(start, length, step) -> None:
    window = Window(start, start + length)
    pieces = list(window.split(step))
    assert pieces[0].start == window.start and pieces[-1].end == window.end
    assert all(a.end == b.start for a, b in pairwise(pieces))
    assert all(p.duration <= step for p in pieces)


@given(starts, lengths)
def test_months_cut_only_at_month_starts(start, length) -> None:
    window = Window(start, start + length)
    pieces = list(window.months())
    assert pieces[0].start == window.start and pieces[-1].end == window.end
    assert all(a.end == b.start == month_start(b.start) for a, b in pairwise(pieces))
    assert all(month_start(p.start) == month_start(p.end - timedelta(microseconds=1)) for p in pieces)


@given(starts, lengths)
def test_whole_hours_is_both_bounds_on_hour_starts(start, length) -> None:
    window = Window(start, start + length)
    assert window.whole_hours() == (floor_hour(start) == start and floor_hour(window.end) == window.end)
    assert Window(floor_hour(start), floor_hour(start) + timedelta(hours=1)).whole_hours()


def test_aware_bounds_become_naive_utc_and_empty_windows_are_refused() -> None:
    east = timezone(timedelta(hours=2))
    window = Window(datetime(2026, 3, 1, 2, tzinfo=east), datetime(2026, 3, 1, 1, tzinfo=UTC))
    assert (window.start, window.end, window.hours()) == (datetime(2026, 3, 1), datetime(2026, 3, 1, 1), 1)
    with pytest.raises(ValueError, match="is not after its start"):
        Window(T0, T0)
    assert next_month(datetime(2026, 12, 15, 7)) == datetime(2027, 1, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("2026-13")
