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
from collections.abc import Callable
from decimal import Decimal

import pandas as pd

from chargeback.allocation import ClusterContext, basis_shares, pool_lines, rated_lines, spread
from chargeback.config import CostModelConfig, RateCard
from chargeback.pricing import ITEM_COLUMNS, storage_items, storage_rate
from chargeback.rounding import cents, dec
from warehouse.chargeback_facts import MonthFacts

FIELD = "chargeback.cost_model.rate_card"
CPU_RATE_POOL = "cpu-rate"
MEMORY_RATE_POOL = "memory-rate"
FEE_POOLS = ("node-months", "cluster-month")  # spread over tenants: neither CPU nor memory alone


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


def rate_card_lines(facts: MonthFacts, clusters: list[str], context: Callable[[str], ClusterContext],
                    config: CostModelConfig, hours: float, pools_out: list[dict[str, object]]
                    ) -> list[dict[str, object]]:
    card = config.rate_card
    suffix = card.basis  # names the usage frame columns: cpu_usage_core_hours, cpu_request_..., ...
    cpu_col, mem_col = f"cpu_{suffix}_core_hours", f"memory_{suffix}_gib_hours"
    out: list[dict[str, object]] = []
    usages = {str(c): part for c, part in facts.usage.groupby("cluster_id", sort=False)}
    for cluster_id in clusters:
        ctx = context(cluster_id)
        usage = usages.get(cluster_id, facts.usage.iloc[:0])
        per_ns = usage.groupby("namespace")[list(dict.fromkeys([cpu_col, mem_col, "cpu_effective_core_hours"]))].sum()
        shares = basis_shares(per_ns["cpu_effective_core_hours"], ctx)
        cpu_items, mem_items = [], []
        for ns, row in per_ns.iterrows():
            cpu_rate, mem_rate, rule = rates_for(card, _labels(ctx, str(ns)))
            for items, quantity, rate, unit in ((cpu_items, row[cpu_col], cpu_rate, f"{suffix} core-hours"),
                                                (mem_items, row[mem_col], mem_rate, f"{suffix} GiB-hours")):
                q = float(quantity)
                items.append({"namespace": str(ns), "quantity": q, "unit": unit, "rate": rate,
                              "amount": cents(dec(q) * rate), "what": rule})
        for pool, items in ((CPU_RATE_POOL, cpu_items), (MEMORY_RATE_POOL, mem_items)):
            frame = pd.DataFrame(items, columns=ITEM_COLUMNS)
            total = sum(frame["amount"], Decimal(0))
            if total:
                pools_out.append({"cluster_id": cluster_id, "pool": pool, "amount": total,
                                  "basis": "sum of quantity x rate items"})
            out.extend(rated_lines(ctx, pool, pool.split("-")[0], frame, config.currency, shares,
                                   per_ns["cpu_effective_core_hours"]))
        nodes = facts.nodes[facts.nodes["cluster_id"] == cluster_id]
        node_months = float(nodes["node_hours"].sum()) / hours
        for pool, quantity, rate, unit in ((FEE_POOLS[0], node_months, card.node_month, "node-months"),
                                           (FEE_POOLS[1], 1.0, card.cluster_month, "cluster-months")):
            amount = cents(dec(quantity) * rate)
            if amount == 0:
                continue
            pools_out.append({"cluster_id": cluster_id, "pool": pool, "amount": amount,
                              "basis": f"{quantity:,.3f} {unit} x {rate}"})
            recipients = spread(1.0, shares, per_ns["cpu_effective_core_hours"], pool, "effective core-hours",
                                f"{quantity:,.3f} {unit} x {rate}, spread by effective CPU")
            out.extend(pool_lines(ctx, pool, amount, recipients, config.currency, f"{quantity:,.3f} {unit}"))
        pvcs = facts.pvcs[facts.pvcs["cluster_id"] == cluster_id]
        storage = storage_items(pvcs, _pvc_rate(card), hours)
        total = sum(storage["amount"], Decimal(0))
        if total:
            pools_out.append({"cluster_id": cluster_id, "pool": "storage", "amount": total,
                              "basis": "sum of quantity x rate items"})
        out.extend(rated_lines(ctx, "storage", "storage", storage, config.currency, shares,
                               per_ns["cpu_effective_core_hours"]))
    return out


def _pvc_rate(card: RateCard) -> Callable[[str], tuple[Decimal, str]]:
    """The rate_of callback storage_items takes: the card's PVC price of a storage class."""
    def rate_of(storage_class: str) -> tuple[Decimal, str]:
        return storage_rate(card.pvc_per_gib_month, storage_class, f"{FIELD}.pvc_per_gib_month"), ""
    return rate_of
