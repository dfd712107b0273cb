"""Quantity x rate items: PVC GiB-months by storage class, GB of logs ingested; and the pools model's
quantity x rate pools, each priced from a cluster's facts by the price lists in force."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pandas as pd

from chargeback.inputs import ClusterFacts
from chargeback.price_periods import MonthPrices, PriceSpan
from chargeback.rounding import cents, dec
from chargeback.types import PoolName
from common.errors import ConfigError

GB = 10**9
ITEM_COLUMNS = ["namespace", "quantity", "unit", "rate", "amount", "what"]


def storage_rate(rates: dict[str, Decimal], storage_class: str, field_path: str) -> Decimal:
    if storage_class in rates:
        return rates[storage_class]
    if "default" in rates:
        return rates["default"]
    raise ConfigError(f"no price for storage class {storage_class!r} and no 'default' entry", field=field_path)


def storage_items(pvcs: pd.DataFrame, rate_of: Callable[[str], tuple[Decimal, str]], hours: float) -> pd.DataFrame:
    """PVC GiB-months x class rate per (namespace, class); ``rate_of(class)`` gives the rate and a note
    on where it comes from (asked once per class)."""
    known: dict[str, tuple[Decimal, str]] = {}
    rows = []
    for row in pvcs.itertuples(index=False):
        storage_class = row.storage_class or "default"
        if storage_class not in known:
            known[storage_class] = rate_of(storage_class)
        rate, note = known[storage_class]
        quantity = float(row.capacity_gib_hours) / hours
        rows.append({"namespace": row.namespace, "quantity": quantity, "unit": "GiB-months", "rate": rate,
                     "amount": cents(dec(quantity) * rate),
                     "what": f" (storage class {row.storage_class or 'unknown'}{note})"})
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def listed_storage_rate(prices: MonthPrices) -> Callable[[str], tuple[Decimal, str]]:
    """A storage class's rate from the price lists in force: the hour-weighted blend of the versions."""
    def rate_of(storage_class: str) -> tuple[Decimal, str]:
        def price(span: PriceSpan) -> Decimal:
            return storage_rate(span.price_list.storage_per_gib_month, storage_class,
                                f"{span.field}.storage_per_gib_month")
        return prices.rate(price), f"; {_note(prices, price)}"
    return rate_of


def logging_items(logs: pd.DataFrame, prices: MonthPrices) -> pd.DataFrame:
    """GB ingested x the price per GB of the price lists in force."""
    def price(span: PriceSpan) -> Decimal:
        return span.price_list.logging_per_gb
    rate = prices.rate(price)
    what = f" ({_note(prices, price)})"
    rows = [{"namespace": row.namespace, "quantity": float(row.log_bytes) / GB, "unit": "GB ingested",
             "rate": rate, "amount": cents(dec(float(row.log_bytes) / GB) * rate), "what": what}
            for row in logs.itertuples(index=False) if rate > 0]
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def _note(prices: MonthPrices, price: Callable[[PriceSpan], Decimal]) -> str:
    """Where a listed rate comes from: the version (one), or the hour-weighted blend (several)."""
    if len(prices.spans) == 1:
        return f"price list {prices.shares}"
    return f"hour-weighted rate {prices.describe(price)}"


def listed_storage_items(facts: ClusterFacts, prices: MonthPrices, hours: float) -> pd.DataFrame:
    return storage_items(facts.pvcs, listed_storage_rate(prices), hours)


def listed_logging_items(facts: ClusterFacts, prices: MonthPrices, hours: float) -> pd.DataFrame:
    return logging_items(facts.logs, prices)


ListedItems = Callable[[ClusterFacts, MonthPrices, float], pd.DataFrame]
# The pools model's quantity x rate pools, in the order they are priced: a cluster's items of each,
# from its facts, the price lists in force and the month's hours.
LISTED_POOLS: dict[PoolName, ListedItems] = {
    PoolName.STORAGE: listed_storage_items,
    PoolName.LOGGING: listed_logging_items,
}
