"""The rate card model: rates per unit instead of distributed pools.

CPU and memory are charged per core-hour and GiB-hour of usage, request or effective usage, at
the rate of the first label rule a namespace matches, else the default rate. Node-months and
cluster-months are priced and spread over the cluster's tenants by effective CPU; PVCs per GiB-month
by storage class. Platform namespaces' charges are spread over the tenants like the pools model.
The rate card is not versioned: it does not price by the price lists, so a price-list change during
the month leaves rate-card amounts as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal

import pandas as pd

from chargeback.allocation import ClusterContext, basis_shares, pool_lines, rated_lines, spread
from chargeback.config import CostModelConfig, RateCard
from chargeback.inputs import ClusterFacts, MonthInputs
from chargeback.models.base import Priced, register
from chargeback.pricing import ITEM_COLUMNS, storage_items, storage_rate
from chargeback.rounding import cents, dec
from chargeback.types import Pool, PoolName, StatementLine
from common.names import RATE_CARD_MODEL

FIELD = "chargeback.cost_model.rate_card"
RATED_BASIS = "sum of quantity x rate items"


def _labels(ctx: ClusterContext, namespace: str) -> dict[str, str]:
    info = ctx.namespaces.get(namespace)
    if info is None or info.labels is None:
        return {}
    try:
        parsed = json.loads(info.labels)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def rates_for(card: RateCard, labels: dict[str, str]) -> tuple[Decimal, Decimal, str]:
    """(CPU rate, memory rate, which rule) for a namespace with ``labels``."""
    for index, rule in enumerate(card.label_rates):
        if labels.get(rule.label) == rule.value:
            return rule.cpu_core_hour, rule.memory_gib_hour, f" (label rate {index}: {rule.label}={rule.value})"
    return card.cpu_core_hour, card.memory_gib_hour, " (default rate)"


class RateCardModel:
    name = RATE_CARD_MODEL

    def price(self, month: MonthInputs) -> Priced:
        lines: list[StatementLine] = []
        pools: list[Pool] = []
        for cluster_id in month.clusters:
            cluster_pools, cluster_lines = _cluster(month.contexts(cluster_id), month.cluster_facts(cluster_id),
                                                    month.config, month.hours)
            pools.extend(cluster_pools)
            lines.extend(cluster_lines)
        return Priced(tuple(lines), tuple(pools))


def _cluster(ctx: ClusterContext, facts: ClusterFacts, config: CostModelConfig,
             hours: float) -> tuple[list[Pool], list[StatementLine]]:
    card = config.rate_card
    suffix = card.basis  # names the usage frame columns: cpu_usage_core_hours, cpu_request_..., ...
    cpu_col, mem_col = f"cpu_{suffix}_core_hours", f"memory_{suffix}_gib_hours"
    per_ns = facts.usage.groupby("namespace")[list(dict.fromkeys([cpu_col, mem_col, "cpu_effective_core_hours"]))].sum()
    effective = per_ns["cpu_effective_core_hours"]
    shares = basis_shares(effective, ctx)
    pools: list[Pool] = []
    lines: list[StatementLine] = []

    def rated(name: PoolName, items: pd.DataFrame) -> None:
        total = sum(items["amount"], Decimal(0))
        if total:
            pools.append(Pool(ctx.cluster_id, name, total, RATED_BASIS))
        lines.extend(rated_lines(ctx, name, items, config.currency, shares, effective))

    cpu_items, mem_items = _usage_items(ctx, per_ns, card, cpu_col, mem_col)
    rated(PoolName.CPU_RATE, cpu_items)
    rated(PoolName.MEMORY_RATE, mem_items)
    node_months = float(facts.nodes["node_hours"].sum()) / hours
    for name, quantity, rate, unit in ((PoolName.NODE_MONTHS, node_months, card.node_month, "node-months"),
                                       (PoolName.CLUSTER_MONTH, 1.0, card.cluster_month, "cluster-months")):
        amount = cents(dec(quantity) * rate)
        if amount == 0:
            continue
        pools.append(Pool(ctx.cluster_id, name, amount, f"{quantity:,.3f} {unit} x {rate}"))
        recipients = spread(1.0, shares, effective, name.charged_as, "effective core-hours",
                            f"{quantity:,.3f} {unit} x {rate}, spread by effective CPU")
        lines.extend(pool_lines(ctx, name, amount, recipients, config.currency, f"{quantity:,.3f} {unit}"))
    rated(PoolName.STORAGE, storage_items(facts.pvcs, _pvc_rate(card), hours))
    return pools, lines


def _usage_items(ctx: ClusterContext, per_ns: pd.DataFrame, card: RateCard, cpu_col: str,
                 mem_col: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CPU and memory quantity x rate items per namespace, at the namespace's label rate."""
    suffix = card.basis
    cpu_items: list[Mapping[str, object]] = []
    mem_items: list[Mapping[str, object]] = []
    for ns, row in per_ns.iterrows():
        cpu_rate, mem_rate, rule = rates_for(card, _labels(ctx, str(ns)))
        for items, quantity, rate, unit in ((cpu_items, row[cpu_col], cpu_rate, f"{suffix} core-hours"),
                                            (mem_items, row[mem_col], mem_rate, f"{suffix} GiB-hours")):
            q = float(quantity)
            items.append({"namespace": str(ns), "quantity": q, "unit": unit, "rate": rate,
                          "amount": cents(dec(q) * rate), "what": rule})
    return pd.DataFrame(cpu_items, columns=ITEM_COLUMNS), pd.DataFrame(mem_items, columns=ITEM_COLUMNS)


def _pvc_rate(card: RateCard) -> Callable[[str], tuple[Decimal, str]]:
    """The rate_of callback storage_items takes: the card's PVC price of a storage class."""
    def rate_of(storage_class: str) -> tuple[Decimal, str]:
        return storage_rate(card.pvc_per_gib_month, storage_class, f"{FIELD}.pvc_per_gib_month"), ""
    return rate_of


MODEL = register(RateCardModel())
