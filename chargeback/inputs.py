"""What a cost model prices a month from: the inventory, the month's reduced facts, the price lists
in force, each cluster's context. Read from the warehouse once, when a model first asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
import sqlalchemy as sa

from chargeback.allocation import ClusterContext, NamespaceInfo
from chargeback.config import CostModelConfig, FlatRateConfig
from chargeback.price_periods import MonthPrices, month_prices
from common.windows import Window, next_month, parse_month
from warehouse.chargeback_facts import MonthFacts, month_facts
from warehouse.dimensions import read_dimension


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


def per_cluster(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One frame per cluster, split once (filtering per cluster would rescan the frame each time)."""
    return {str(cluster_id): part for cluster_id, part in frame.groupby("cluster_id", sort=False)}


def namespace_totals(usage: pd.DataFrame, column: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for ns, value in zip(usage["namespace"].tolist(), usage[column].astype(float).tolist(), strict=True):
        totals[ns] = totals.get(ns, 0.0) + value
    return totals


@dataclass(frozen=True)
class ClusterFacts:
    """One cluster's part of the month's facts (empty frames when it has none of a kind)."""

    usage: pd.DataFrame
    nodes: pd.DataFrame
    pvcs: pd.DataFrame
    logs: pd.DataFrame


@dataclass
class MonthInputs:
    """One month to price with ``config`` (and ``flat``, the flat rate's settings). Inventory and facts
    may be passed in when the caller has read them already."""

    engine: sa.Engine
    month: str
    config: CostModelConfig
    flat: FlatRateConfig = field(default_factory=FlatRateConfig)
    given_inventory: Inventory | None = None
    given_facts: MonthFacts | None = None

    @cached_property
    def window(self) -> Window:
        return month_window(self.month)

    @property
    def hours(self) -> int:
        return self.window.hours()

    @cached_property
    def prices(self) -> MonthPrices:
        return month_prices(self.config, self.window)

    @cached_property
    def inventory(self) -> Inventory:
        return self.given_inventory or read_inventory(self.engine)

    @cached_property
    def facts(self) -> MonthFacts:
        if self.given_facts is not None:
            return self.given_facts
        return month_facts(self.engine, self.window, self.config.allocation.source)

    @cached_property
    def clusters(self) -> list[str]:
        """Every cluster with facts of any kind in the month."""
        f = self.facts
        return sorted(set(f.usage["cluster_id"]) | set(f.nodes["cluster_id"]) | set(f.pvcs["cluster_id"])
                      | set(f.logs["cluster_id"]))

    @cached_property
    def contexts(self) -> Contexts:
        return Contexts.of(self.inventory)

    @cached_property
    def _split(self) -> tuple[dict[str, pd.DataFrame], ...]:
        f = self.facts
        return per_cluster(f.usage), per_cluster(f.nodes), per_cluster(f.pvcs), per_cluster(f.logs)

    def cluster_facts(self, cluster_id: str) -> ClusterFacts:
        f = self.facts
        usage, nodes, pvcs, logs = self._split
        return ClusterFacts(usage.get(cluster_id, f.usage.iloc[:0]), nodes.get(cluster_id, f.nodes.iloc[:0]),
                            pvcs.get(cluster_id, f.pvcs.iloc[:0]), logs.get(cluster_id, f.logs.iloc[:0]))
