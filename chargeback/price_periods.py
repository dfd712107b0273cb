"""The price lists in force during a month, and the hour-weighted blend of their prices.

A price list applies from 00:00 UTC on ``effective_from`` up to 24:00 UTC on ``effective_to``.
A month that several versions cover is priced at, for every list price, the mean weighted by the
hours each version was in force: ``sum(hours_v * price_v * markup_v) / hours in the month``. The
month's quantities (core-months, GiB-months, GB) are not split by date, so a price change on the
15th weighs in by its hours whatever the usage did that fortnight. Every hour of the month must be
covered by some version; a gap is a configuration error naming the uncovered dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chargeback.config import CostModelConfig, PriceList
from common.errors import ConfigError
from common.windows import Window

FIELD = "chargeback.cost_model.price_lists"
RATE_PLACES = Decimal("0.00000001")  # statement lines store rates as NUMERIC(20, 8)
VERSION_COLUMN_CHARS = 64            # chargeback_statement.price_list_version


@dataclass(frozen=True)
class PriceSpan:
    """One price list version and the part of the month it was in force."""

    index: int  # position in cost_model.price_lists, for field paths in errors
    price_list: PriceList
    window: Window

    @property
    def hours(self) -> int:
        return self.window.hours()

    @property
    def field(self) -> str:
        return f"{FIELD}.{self.index}"


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def in_force(effective_from: date, effective_to: date | None, window: Window) -> Window | None:
    """The part of ``window`` an effective period covers (from 00:00 UTC on its first day to 24:00 on
    its last, open-ended without one), or None when it covers none of it."""
    start = max(_day_start(effective_from), window.start)
    end = window.end if effective_to is None else min(_day_start(effective_to) + timedelta(days=1), window.end)
    return Window(start, end) if start < end else None


def _periods(window: Window, spans: list[PriceSpan]) -> list[Window]:
    """The parts of ``window`` no span covers."""
    gaps: list[Window] = []
    cursor = window.start
    for span in spans:
        if span.window.start > cursor:
            gaps.append(Window(cursor, span.window.start))
        cursor = max(cursor, span.window.end)
    if cursor < window.end:
        gaps.append(Window(cursor, window.end))
    return gaps


def _dates(gap: Window) -> str:
    first, last = gap.start.date(), (gap.end - timedelta(microseconds=1)).date()
    return str(first) if first == last else f"{first} to {last}"


@dataclass(frozen=True)
class MonthPrices:
    """Every price list version in force during one month, in date order, with its hours."""

    window: Window
    spans: tuple[PriceSpan, ...]

    @property
    def hours(self) -> int:
        return self.window.hours()

    @property
    def version(self) -> str:
        """The versions that priced the month, e.g. ``2026.1+2026.2``."""
        return "+".join(span.price_list.version for span in self.spans)

    @property
    def shares(self) -> str:
        """E.g. ``2026.1 for 336 h, 2026.2 for 408 h``."""
        return ", ".join(f"{span.price_list.version} for {span.hours} h" for span in self.spans)

    def blend(self, price: Callable[[PriceSpan], Decimal]) -> Decimal:
        """The hour-weighted mean of ``price`` (of one version, before markup) times that version's markup."""
        if len(self.spans) == 1:  # exactly price x markup, as a month under one version always was
            return price(self.spans[0]) * self.spans[0].price_list.factor
        total = sum((Decimal(span.hours) * price(span) * span.price_list.factor for span in self.spans), Decimal(0))
        return total / Decimal(self.hours)

    def markup(self) -> Decimal:
        """The hour-weighted markup factor (for prices the lists do not set, such as amortisation)."""
        return self.blend(lambda span: Decimal(1))

    def rate(self, price: Callable[[PriceSpan], Decimal]) -> Decimal:
        """The blended price as a unit rate, to the 8 places a statement line stores, so that a line's
        quantity x its printed rate gives its amount."""
        return trim(self.blend(price).quantize(RATE_PLACES, rounding=ROUND_HALF_UP))

    def describe(self, price: Callable[[PriceSpan], Decimal]) -> str:
        """How a blended price was made, e.g. ``6500 x 1 (2026.1 for 720 h)`` or
        ``(6500 x 1 x 336 h + 6500 x 1.03 x 408 h) / 744 h (2026.1 for 336 h, 2026.2 for 408 h)``."""
        if len(self.spans) == 1:
            span = self.spans[0]
            return f"{price(span)} x {span.price_list.factor} ({self.shares})"
        terms = " + ".join(f"{price(span)} x {span.price_list.factor} x {span.hours} h" for span in self.spans)
        return f"({terms}) / {self.hours} h ({self.shares})"

    def describe_markup(self) -> str:
        """E.g. ``markup x 1 (2026.1 for 720 h)`` or ``markup x (1 x 336 h + 1.03 x 408 h) / 744 h (...)``."""
        if len(self.spans) == 1:
            return f"markup x {self.spans[0].price_list.factor} ({self.shares})"
        terms = " + ".join(f"{span.price_list.factor} x {span.hours} h" for span in self.spans)
        return f"markup x ({terms}) / {self.hours} h ({self.shares})"

    def payload(self) -> dict[str, Any]:
        """What the price-list digest covers. One version for the whole month keeps the payload months
        closed before mid-month blending had, so their digests still match."""
        if len(self.spans) == 1:
            return {"price_list": self.spans[0].price_list.model_dump(mode="json")}
        return {"price_lists": [{"hours": span.hours, **span.price_list.model_dump(mode="json")}
                                for span in self.spans]}


def trim(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and never in exponent notation (0.09270000 -> 0.0927, 1E+2 -> 100)."""
    return Decimal(format(value.normalize(), "f"))


def month_prices(config: CostModelConfig, window: Window) -> MonthPrices:
    """The versions in force during ``window`` (a month); every hour must be covered by one."""
    spans = []
    for index, price_list in enumerate(config.price_lists):
        covered = in_force(price_list.effective_from, price_list.effective_to, window)
        if covered is not None:
            spans.append(PriceSpan(index, price_list, covered))
    spans.sort(key=lambda span: span.window.start)
    if not config.price_lists:
        raise ConfigError(f"no price lists are configured, so {window.start:%Y-%m} cannot be priced; add "
                          "price list versions covering it", field=FIELD)
    gaps = _periods(window, spans)
    if gaps:
        missing = sum(gap.hours() for gap in gaps)
        raise ConfigError(
            f"no price list is in force on {', '.join(_dates(gap) for gap in gaps)} (UTC; {missing} of the "
            f"{window.hours()} hours of {window.start:%Y-%m}); every hour of a month must be priced: add a price "
            "list or extend an effective period to cover these dates", field=FIELD)
    prices = MonthPrices(window, tuple(spans))
    if len(prices.version) > VERSION_COLUMN_CHARS:
        raise ConfigError(f"the price list versions in force in {window.start:%Y-%m} ({prices.version}) are "
                          f"longer than the {VERSION_COLUMN_CHARS} characters a statement records; use shorter "
                          "version names", field=FIELD)
    if sum(span.hours for span in spans) != window.hours():  # a config built without validation
        raise ConfigError(f"price lists in force in {window.start:%Y-%m} overlap ({prices.shares}); end the "
                          "earlier one the day before the next starts", field=FIELD)
    return prices


__all__ = ["MonthPrices", "PriceSpan", "in_force", "month_prices", "trim"]
