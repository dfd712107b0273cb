"""Price lists that change during a month: the versions in force, their hours, the blend and gaps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chargeback.allocation import compute_recipients, pool_lines
from chargeback.config import CostModelConfig, PriceList
from chargeback.price_periods import PriceSpan, month_prices, trim
from chargeback.rounding import cents
from common.errors import ConfigError
from common.windows import Window, next_month
from tests.chargeback.test_conservation_properties import clusters

OCTOBER = Window(datetime(2026, 10, 1), datetime(2026, 11, 1))  # 744 h


def lists(*periods: tuple[str, str | None], **prices: object) -> CostModelConfig:
    return CostModelConfig.model_validate({"price_lists": [
        {"version": f"v{i}", "effective_from": start, "effective_to": end, **prices}
        for i, (start, end) in enumerate(periods)]})


def support(span: PriceSpan) -> Decimal:
    return span.price_list.support_per_cluster_month


def test_a_change_on_the_15th_splits_the_month_by_hours() -> None:
    config = CostModelConfig.model_validate({"price_lists": [
        {"version": "2026.1", "effective_from": "2026-01-01", "effective_to": "2026-10-14",
         "support_per_cluster_month": "6500"},
        {"version": "2026.2", "effective_from": "2026-10-15", "support_per_cluster_month": "7000",
         "markup_percent": "3"},
    ]})
    prices = month_prices(config, OCTOBER)
    assert [(s.price_list.version, s.hours, s.index) for s in prices.spans] == [("2026.1", 336, 0), ("2026.2", 408, 1)]
    assert prices.version == "2026.1+2026.2"
    assert prices.shares == "2026.1 for 336 h, 2026.2 for 408 h"
    # (336 h x 6500 x 1 + 408 h x 7000 x 1.03) / 744 h = (2 184 000 + 2 941 680) / 744 = 6889.3548...
    assert cents(prices.blend(support)) == Decimal("6889.35")
    assert prices.describe(support) == ("(6500 x 1 x 336 h + 7000 x 1.03 x 408 h) / 744 h "
                                        "(2026.1 for 336 h, 2026.2 for 408 h)")
    # markup alone: (336 x 1 + 408 x 1.03) / 744 = 1.0164516129...
    assert cents(prices.markup() * 1000) == Decimal("1016.45")
    # as a unit rate, to the 8 places a statement line stores
    assert prices.rate(support) == Decimal("6889.35483871")


def test_one_version_for_the_whole_month_prices_exactly_as_before() -> None:
    config = lists(("2026-01-01", None), support_per_cluster_month="6500", markup_percent="3")
    prices = month_prices(config, OCTOBER)
    assert prices.version == "v0" and prices.shares == "v0 for 744 h"
    assert prices.blend(support) == Decimal("6695.00")
    assert prices.describe(support) == "6500 x 1.03 (v0 for 744 h)"
    assert prices.payload() == {"price_list": config.price_lists[0].model_dump(mode="json")}


def test_versions_outside_the_month_do_not_count() -> None:
    config = lists(("2026-01-01", "2026-09-30"), ("2026-10-01", "2026-10-31"), ("2026-11-01", None))
    assert month_prices(config, OCTOBER).version == "v1"
    assert month_prices(config, Window(datetime(2026, 12, 1), datetime(2027, 1, 1))).version == "v2"


@pytest.mark.parametrize(("periods", "uncovered", "hours"), [
    ((("2026-10-01", "2026-10-10"), ("2026-10-20", None)), "2026-10-11 to 2026-10-19", 216),
    ((("2026-10-02", None),), "2026-10-01 (UTC", 24),
    ((("2026-01-01", "2026-10-30"),), "2026-10-31 (UTC", 24),
    ((("2026-10-01", "2026-10-09"), ("2026-10-11", "2026-10-19"), ("2026-10-21", "2026-10-30")),
     "2026-10-10, 2026-10-20, 2026-10-31", 72),
    ((("2026-11-01", None),), "2026-10-01 to 2026-10-31", 744),
])
def test_uncovered_hours_are_an_error_naming_the_dates(periods: tuple, uncovered: str, hours: int) -> None:
    with pytest.raises(ConfigError) as caught:
        month_prices(lists(*periods), OCTOBER)
    message = str(caught.value)
    assert f"no price list is in force on {uncovered}" in message
    assert f"{hours} of the 744 hours of 2026-10" in message
    assert "field=chargeback.cost_model.price_lists" in message


def test_overlaps_and_overlong_version_names_are_refused() -> None:
    config = lists(("2026-01-01", None))
    overlapping = config.model_copy(update={"price_lists": [  # built without validation
        *config.price_lists, config.price_lists[0].model_copy(update={"version": "x",
                                                                       "effective_from": date(2026, 10, 20)})]})
    with pytest.raises(ConfigError, match="overlap"):
        month_prices(overlapping, OCTOBER)
    long_names = CostModelConfig.model_validate({"price_lists": [
        {"version": "a" * 40, "effective_from": "2026-01-01", "effective_to": "2026-10-15"},
        {"version": "b" * 40, "effective_from": "2026-10-16"}]})
    with pytest.raises(ConfigError, match="longer than the 64 characters"):
        month_prices(long_names, OCTOBER)


def test_trim_never_shows_an_exponent() -> None:
    assert [str(trim(Decimal(v))) for v in ("0.09270000", "100.00000000", "0E-8", "12.5")] == \
        ["0.0927", "100", "0", "12.5"]


# --------------------------------------------------------------------------- property

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)
markups = st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=1)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 47), st.integers(2, 28), money, money, markups, markups, clusters())
def test_a_two_version_month_blends_by_hours_and_allocates_to_the_cent(
        month_index: int, change_day: int, price_a: Decimal, price_b: Decimal, markup_a: Decimal,
        markup_b: Decimal, cluster: tuple) -> None:
    start = datetime(2025 + month_index // 12, month_index % 12 + 1, 1)
    window = Window(start, next_month(start))
    change = start.date().replace(day=change_day)
    config = CostModelConfig(price_lists=[
        PriceList(version="a", effective_from=date(2020, 1, 1), effective_to=change - timedelta(days=1),
                  support_per_cluster_month=price_a, markup_percent=markup_a),
        PriceList(version="b", effective_from=change, support_per_cluster_month=price_b, markup_percent=markup_b)])
    prices = month_prices(config, window)
    hours_a, hours_b = (change_day - 1) * 24, window.hours() - (change_day - 1) * 24
    assert [s.hours for s in prices.spans] == [hours_a, hours_b]
    assert prices.shares == f"a for {hours_a} h, b for {hours_b} h"
    a, b = price_a * (1 + markup_a / 100), price_b * (1 + markup_b / 100)
    pool = cents(prices.blend(support))
    # the blend is the hour-weighted mean, computed independently here with exact fractions
    exact = (Decimal(hours_a) * a + Decimal(hours_b) * b) / Decimal(window.hours())
    assert abs(pool - exact) <= Decimal("0.005")
    assert min(a, b) - Decimal("0.005") <= pool <= max(a, b) + Decimal("0.005")
    usage, nodes, ctx, allocation = cluster
    lines = pool_lines(ctx, "support", pool, compute_recipients(usage, nodes, ctx, allocation), "USD",
                       f"1 cluster-month x {prices.describe(support)}")
    assert sum((line.amount for line in lines), Decimal(0)) == pool
    assert all(prices.shares in str(line.basis) for line in lines)



def test_no_price_lists_at_all() -> None:
    with pytest.raises(ConfigError, match="no price lists are configured, so 2026-10 cannot be priced"):
        month_prices(CostModelConfig(), OCTOBER)
