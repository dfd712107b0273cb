"""Quantity x rate items: PVC GiB-months by storage class, GB of logs ingested."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from chargeback.rounding import cents, dec
from common.errors import ConfigError

GB = 10**9


def storage_rate(rates: dict[str, Decimal], storage_class: str, field_path: str) -> Decimal:
    if storage_class in rates:
        return rates[storage_class]
    if "default" in rates:
        return rates["default"]
    raise ConfigError(f"no price for storage class {storage_class!r} and no 'default' entry", field=field_path)


def storage_items(pvcs: pd.DataFrame, rates: dict[str, Decimal], factor: Decimal, hours: float,
                  field_path: str) -> pd.DataFrame:
    """PVC GiB-months x class rate per (namespace, class)."""
    rows = []
    for row in pvcs.itertuples(index=False):
        rate = storage_rate(rates, row.storage_class or "default", field_path) * factor
        quantity = float(row.capacity_gib_hours) / hours
        rows.append({"namespace": row.namespace, "quantity": quantity, "unit": "GiB-months", "rate": rate,
                     "amount": cents(dec(quantity) * rate),
                     "what": f" (storage class {row.storage_class or 'unknown'})"})
    return pd.DataFrame(rows, columns=["namespace", "quantity", "unit", "rate", "amount", "what"])


def logging_items(logs: pd.DataFrame, rate: Decimal) -> pd.DataFrame:
    rows = [{"namespace": row.namespace, "quantity": float(row.log_bytes) / GB, "unit": "GB ingested",
             "rate": rate, "amount": cents(dec(float(row.log_bytes) / GB) * rate), "what": ""}
            for row in logs.itertuples(index=False) if rate > 0]
    return pd.DataFrame(rows, columns=["namespace", "quantity", "unit", "rate", "amount", "what"])
