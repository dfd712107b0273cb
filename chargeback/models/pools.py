"""The pools model: each cluster's cost pools for the month, shared out over its namespaces.

Compute pools (hardware, licences, support, network: :mod:`chargeback.pools`) are split over the
cluster's recipients (:func:`chargeback.allocation.compute_recipients`); the quantity x rate pools
priced by the price lists (:data:`chargeback.pricing.LISTED_POOLS`: storage, logging) charge each
namespace its items, and the platform namespaces' items are spread over the tenants.
"""

from __future__ import annotations

from decimal import Decimal

from chargeback.allocation import ClusterContext, basis_shares, compute_recipients, pool_lines, rated_lines
from chargeback.inputs import ClusterFacts, MonthInputs, namespace_totals
from chargeback.models.base import Priced, register
from chargeback.pools import cluster_pools
from chargeback.pricing import LISTED_POOLS
from chargeback.types import Pool, StatementLine
from common.names import POOLS_MODEL


class PoolsModel:
    name = POOLS_MODEL

    def price(self, month: MonthInputs) -> Priced:
        config, facts, inventory, prices = month.config, month.facts, month.inventory, month.prices
        compute = cluster_pools(month.window.start.date(), month.hours, month.clusters, inventory.nodes,
                                inventory.hosts, facts.nodes, config, prices)
        by_cluster: dict[str, list[Pool]] = {}
        for pool in compute:
            by_cluster.setdefault(pool.cluster_id, []).append(pool)
        lines: list[StatementLine] = []
        pools: list[Pool] = []
        for cluster_id in month.clusters:
            ctx = month.contexts(cluster_id)
            cluster = month.cluster_facts(cluster_id)
            recipients = compute_recipients(cluster.usage, cluster.nodes, ctx, config.allocation)
            for pool in by_cluster.get(cluster_id, []):
                pools.append(pool)
                lines.extend(pool_lines(ctx, pool.name, pool.amount, recipients, config.currency, pool.basis))
            listed_pools, listed_lines = _listed(ctx, cluster, month)
            pools.extend(listed_pools)
            lines.extend(listed_lines)
        return Priced(tuple(lines), tuple(pools))


def _listed(ctx: ClusterContext, cluster: ClusterFacts, month: MonthInputs) -> tuple[list[Pool], list[StatementLine]]:
    """The cluster's quantity x rate pools and their lines; platform namespaces' items are spread over the
    tenants by the allocation's platform basis."""
    config, prices = month.config, month.prices
    cpu_basis = config.allocation.platform_basis == "cpu"
    per_ns = namespace_totals(cluster.usage, "cpu_effective_core_hours" if cpu_basis else "memory_effective_gib_hours")
    shares = basis_shares(per_ns, ctx)
    priced = {name: items(cluster, prices, month.hours) for name, items in LISTED_POOLS.items()}
    pools: list[Pool] = []
    lines: list[StatementLine] = []
    for name, items in priced.items():
        total = sum(items["amount"], Decimal(0))
        if total:
            pools.append(Pool(ctx.cluster_id, name, total,
                              f"sum of {len(items)} quantity x rate items ({prices.shares})"))
        lines.extend(rated_lines(ctx, name, items, config.currency, shares, per_ns,
                                 "effective core-hours" if cpu_basis else "effective GiB-hours"))
    return pools, lines


MODEL = register(PoolsModel())
