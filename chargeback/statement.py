"""Compute one month's statement: lines for every sector, efficiency, entitlement, completeness.

The warehouse sums the month per (cluster, node, namespace); this module turns the reduced frames
into Decimal lines (pools model or rate card), all of which trace back to a quantity x rate or a
share of a named pool.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from chargeback.allocation import (
    LINE_COLUMNS,
    UNALLOCATED,
    ClusterContext,
    NamespaceInfo,
    basis_shares,
    compute_recipients,
    pool_lines,
    rated_lines,
)
from chargeback.config import CostModelConfig
from chargeback.insights import completeness, efficiency, entitlement
from chargeback.pools import COMPUTE_POOLS, cluster_pools
from chargeback.price_periods import MonthPrices, month_prices
from chargeback.pricing import listed_storage_rate, logging_items, storage_items
from chargeback.ratecard import rate_card_lines
from common.errors import ConfigError
from common.windows import Window, next_month, parse_month
from warehouse.chargeback_facts import MonthFacts, month_facts
from warehouse.dimensions import read_dimension

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


@dataclass(frozen=True)
class Inventory:
    clusters: pd.DataFrame
    nodes: pd.DataFrame
    hosts: pd.DataFrame
    namespaces: pd.DataFrame
    sectors: pd.DataFrame


def read_inventory(engine: sa.Engine) -> Inventory:
    return Inventory(*(read_dimension(engine, name)
                       for name in ("cluster", "node", "vsphere_host", "namespace", "sector")))


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


def month_window(month: str) -> Window:
    start = parse_month(month)
    return Window(start, next_month(start))


@dataclass(frozen=True)
class Contexts:
    """Every cluster's owner and resolved namespaces, indexed once per statement."""

    owners: dict[str, str | None]
    namespaces: dict[str, dict[str, NamespaceInfo]]

    @classmethod
    def of(cls, inventory: Inventory) -> Contexts:
        c = inventory.clusters
        owners = {str(cid): (o if isinstance(o, str) and o and not bool(shared) else None)
                  for cid, o, shared in zip(c["cluster_id"].tolist(), c["owner_sector_id"].tolist(),
                                            c["shared"].tolist(), strict=True)}
        namespaces: dict[str, dict[str, NamespaceInfo]] = {}
        n = inventory.namespaces
        for row in zip(n["cluster_id"].tolist(), n["namespace"].tolist(), n["sector_id"].tolist(),
                       n["application"].tolist(), n["cost_centre"].tolist(), n["is_platform"].tolist(),
                       n["labels"].tolist(), strict=True):
            namespaces.setdefault(str(row[0]), {})[str(row[1])] = NamespaceInfo.of(*row[2:])
        return cls(owners, namespaces)

    def __call__(self, cluster_id: str) -> ClusterContext:
        return ClusterContext(cluster_id, self.owners.get(cluster_id), self.namespaces.get(cluster_id, {}))


def namespace_totals(usage: pd.DataFrame, column: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for ns, value in zip(usage["namespace"].tolist(), usage[column].astype(float).tolist(), strict=True):
        totals[ns] = totals.get(ns, 0.0) + value
    return totals


def compute_statement(engine: sa.Engine, month: str, config: CostModelConfig,
                      inventory: Inventory | None = None, facts: MonthFacts | None = None) -> Statement:
    """Price one month (YYYY-MM) with ``config``; nothing is stored."""
    window = month_window(month)
    start, hours = window.start, window.hours()
    prices = month_prices(config, window)
    inventory = inventory or read_inventory(engine)
    sectors = known_sectors(config, inventory)
    check_entitlement_sectors(config, sectors)
    facts = facts if facts is not None else month_facts(engine, window, config.allocation.source)
    clusters = sorted(set(facts.usage["cluster_id"]) | set(facts.nodes["cluster_id"])
                      | set(facts.pvcs["cluster_id"]) | set(facts.logs["cluster_id"]))
    currency = config.currency
    lines: list[dict[str, object]] = []
    pools_out: list[dict[str, object]] = []
    if config.model == "pools":
        pools = cluster_pools(start.date(), hours, clusters, inventory.nodes, inventory.hosts, facts.nodes,
                              config, prices)
        by_cluster: dict[str, list] = {}
        for pool in pools:
            by_cluster.setdefault(pool.cluster_id, []).append(pool)
        usages, node_frames = per_cluster(facts.usage), per_cluster(facts.nodes)
        pvc_frames, log_frames = per_cluster(facts.pvcs), per_cluster(facts.logs)
        contexts = Contexts.of(inventory)
        for cluster_id in clusters:
            ctx = contexts(cluster_id)
            usage = usages.get(cluster_id, facts.usage.iloc[:0])
            nodes = node_frames.get(cluster_id, facts.nodes.iloc[:0])
            recipients = compute_recipients(usage, nodes, ctx, config.allocation)
            for pool in by_cluster.get(cluster_id, []):
                pools_out.append({"cluster_id": cluster_id, "pool": pool.pool, "amount": pool.amount,
                                  "basis": pool.basis})
                lines.extend(pool_lines(ctx, pool.pool, pool.amount, recipients, currency, pool.basis))
            lines.extend(_storage_and_logs(ctx, pvc_frames.get(cluster_id, facts.pvcs.iloc[:0]),
                                           log_frames.get(cluster_id, facts.logs.iloc[:0]), usage, prices,
                                           hours, config, pools_out))
    else:
        lines.extend(rate_card_lines(facts, clusters, Contexts.of(inventory), config, hours, pools_out))
    frame = pd.DataFrame(lines, columns=LINE_COLUMNS)
    frame = frame.sort_values(["sector_id", "cluster_id", "namespace", "cost_type", "pool"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame.insert(0, "line_no", range(1, len(frame) + 1))
    pools_frame = pd.DataFrame(pools_out, columns=["cluster_id", "pool", "amount", "basis"])
    mapping = inventory.namespaces[["cluster_id", "namespace", "sector_id", "is_platform"]]
    return Statement(
        month=month, model=config.model, mode=config.mode, currency=currency, prices=prices,
        price_list_digest=price_list_digest(config, prices), facts_digest=facts_digest(facts), lines=frame,
        efficiency=efficiency(facts.usage, frame, mapping),
        entitlement=entitlement(config, window, facts, frame, mapping),
        completeness=completeness(facts.coverage, sorted(set(clusters) | set(inventory.clusters["cluster_id"])),
                                  hours), pools=pools_frame,
    )


def per_cluster(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One frame per cluster, split once (filtering per cluster would rescan the frame each time)."""
    return {str(cluster_id): part for cluster_id, part in frame.groupby("cluster_id", sort=False)}


def _storage_and_logs(ctx: ClusterContext, pvcs: pd.DataFrame, logs: pd.DataFrame, usage: pd.DataFrame,
                      prices: MonthPrices, hours: float, config: CostModelConfig,
                      pools_out: list[dict[str, object]]) -> list[dict[str, object]]:
    basis_col = ("cpu_effective_core_hours" if config.allocation.platform_basis == "cpu"
                 else "memory_effective_gib_hours")
    per_ns = namespace_totals(usage, basis_col)
    shares = basis_shares(per_ns, ctx)
    out: list[dict[str, object]] = []
    storage = storage_items(pvcs, listed_storage_rate(prices), hours)
    logging = logging_items(logs, prices)
    for pool, items in (("storage", storage), ("logging", logging)):
        total = sum(items["amount"], Decimal(0))
        if total:
            pools_out.append({"cluster_id": ctx.cluster_id, "pool": pool, "amount": total,
                              "basis": f"sum of {len(items)} quantity x rate items ({prices.shares})"})
        out.extend(rated_lines(ctx, pool, pool, items, config.currency, shares, per_ns,
                               "effective core-hours" if basis_col.startswith("cpu") else "effective GiB-hours"))
    return out


__all__ = ["COMPUTE_POOLS", "UNALLOCATED", "Statement", "compute_statement"]
