"""Compute one month's statement: lines for every sector, efficiency, entitlement, completeness.

The warehouse sums the month per (cluster, node, namespace); the configured cost model
(:mod:`chargeback.models`: pools or rate card) turns the reduced frames into typed lines and pools,
all of which trace back to a quantity x rate or a share of a named pool; this module frames them
and adds what a statement shows besides (efficiency, entitlement, completeness, digests).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from chargeback.config import CostModelConfig
from chargeback.inputs import Inventory, MonthInputs, month_window, read_inventory
from chargeback.insights import completeness, efficiency, entitlement
from chargeback.models import get_model
from chargeback.price_periods import MonthPrices, month_prices
from chargeback.types import lines_frame, pools_frame
from common.errors import ConfigError
from warehouse.chargeback_facts import MonthFacts, month_facts

FIELD = "chargeback.cost_model"


@dataclass
class Statement:
    month: str
    model: str
    mode: str
    currency: str
    prices: MonthPrices  # every price list version in force during the month, with its hours
    price_list_digest: str
    facts_digest: str
    lines: pd.DataFrame
    efficiency: pd.DataFrame
    entitlement: pd.DataFrame
    completeness: dict[str, dict[str, object]]
    pools: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def total(self) -> Decimal:
        return sum(self.lines["amount"], Decimal(0))


def known_sectors(config: CostModelConfig, inventory: Inventory) -> set[str]:
    return set(config.sectors) if config.sectors else set(inventory.sectors["sector_id"])


def check_entitlement_sectors(config: CostModelConfig, sectors: set[str]) -> None:
    for index, item in enumerate(config.entitlements):
        if item.sector not in sectors:
            raise ConfigError(f"unknown sector {item.sector!r}; known sectors: {', '.join(sorted(sectors))}",
                              field=f"{FIELD}.entitlements.{index}.sector")


def _digest(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def facts_digest(facts: MonthFacts) -> str:
    """Fingerprint of the reduced facts: late or replaced data changes it."""
    def summary(frame: pd.DataFrame, keys: list[str]) -> list[list[object]]:
        if frame.empty:
            return []
        sums = frame.groupby(keys).sum(numeric_only=True).round(3).reset_index()
        return sums.astype(str).to_numpy().tolist()
    return _digest({"usage": summary(facts.usage.drop(columns=["node", "namespace"]), ["cluster_id"]),
                    "nodes": summary(facts.nodes.drop(columns=["node", "role"]), ["cluster_id"]),
                    "pvcs": summary(facts.pvcs.drop(columns=["namespace", "storage_class"]), ["cluster_id"]),
                    "logs": summary(facts.logs.drop(columns=["namespace"]), ["cluster_id"]),
                    "coverage": facts.coverage.astype(str).to_numpy().tolist()})


def price_list_digest(config: CostModelConfig, prices: MonthPrices) -> str:
    """Fingerprint of what priced the month: the versions in force, the hosts, the policy and the model."""
    return _digest({**prices.payload(), "hosts": [h.model_dump(mode="json") for h in config.hosts],
                    "allocation": config.allocation.model_dump(mode="json"),
                    "rate_card": config.rate_card.model_dump(mode="json"), "model": config.model})


def current_digests(engine: sa.Engine, month: str, config: CostModelConfig) -> tuple[str, str]:
    """The price-list and facts digests a statement of ``month`` computed now would carry, without
    pricing it: all a closed month is compared with."""
    window = month_window(month)
    facts = month_facts(engine, window, config.allocation.source)
    return price_list_digest(config, month_prices(config, window)), facts_digest(facts)


def compute_statement(engine: sa.Engine, month: str, config: CostModelConfig,
                      inventory: Inventory | None = None, facts: MonthFacts | None = None) -> Statement:
    """Price one month (YYYY-MM) with ``config``'s cost model; nothing is stored."""
    inputs = MonthInputs(engine, month, config, given_inventory=inventory, given_facts=facts)
    prices, inventory = inputs.prices, inputs.inventory
    check_entitlement_sectors(config, known_sectors(config, inventory))
    priced = get_model(config.model).price(inputs)
    if not priced.is_statement:
        raise ConfigError(f"cost model {config.model!r} publishes namespace results, not statements",
                          field=f"{FIELD}.model")
    facts, window, clusters = inputs.facts, inputs.window, inputs.clusters
    frame = lines_frame(priced.lines)
    mapping = inventory.namespaces[["cluster_id", "namespace", "sector_id", "is_platform"]]
    return Statement(
        month=month, model=config.model, mode=config.mode, currency=config.currency, prices=prices,
        price_list_digest=price_list_digest(config, prices), facts_digest=facts_digest(facts), lines=frame,
        efficiency=efficiency(facts.usage, frame, mapping),
        entitlement=entitlement(config, window, facts, frame, mapping),
        completeness=completeness(facts.coverage, sorted(set(clusters) | set(inventory.clusters["cluster_id"])),
                                  window.hours()), pools=pools_frame(priced.pools),
    )


__all__ = ["Inventory", "Statement", "compute_statement", "current_digests", "read_inventory"]
