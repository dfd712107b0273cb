"""Cost pools per cluster and month, from the price lists in force, the host assets and the inventory.

Hardware and VMware licences belong to vSphere hosts; a host's monthly cost is split over the
OpenShift clusters whose node VMs it carries, by those VMs' vCPUs (largest remainder, so the
clusters' parts sum to the host to the cent). OpenShift subscriptions count worker nodes, pro
rata of the hours they ran in the month. Support and network are per cluster and month. When the
price list changes during the month, every listed price is the versions' hour-weighted blend.
"""

from __future__ import annotations

import fnmatch
from datetime import date
from decimal import Decimal

import pandas as pd

from chargeback.config import CostModelConfig, HostAsset, PriceList
from chargeback.price_periods import MonthPrices, PriceSpan
from chargeback.rounding import cents, dec, split
from chargeback.types import Pool, PoolName
from common.errors import ConfigError, DataError

FIELD = "chargeback.cost_model"

def _months_between(start: date, month_start: date) -> int:
    return (month_start.year - start.year) * 12 + month_start.month - start.month


def host_asset(host: str, assets: list[HostAsset]) -> HostAsset | None:
    for asset in assets:
        if fnmatch.fnmatchcase(host, asset.match):
            return asset
    return None


def amortisation(asset: HostAsset, month_start: date) -> Decimal:
    """Straight-line monthly amortisation, zero before purchase and after the period ends."""
    age = _months_between(asset.purchase_date, month_start)
    if 0 <= age < asset.depreciation_months:
        return asset.price / asset.depreciation_months
    return Decimal(0)


def cluster_pools(month_start: date, hours_in_month: float, clusters: list[str], node_dim: pd.DataFrame,
                  host_dim: pd.DataFrame, nodes: pd.DataFrame, config: CostModelConfig,
                  prices: MonthPrices) -> list[Pool]:
    """Every compute pool of every cluster in ``clusters`` (those with facts in the month).

    ``node_dim``: node inventory (cluster_id, node, role, vsphere_host, cpu_cores); ``host_dim``:
    vSphere hosts (host, cpu_cores); ``nodes``: node-hours per (cluster, node) in the month.
    ``prices``: the price list versions in force in the month; each listed price is their
    hour-weighted blend, and so is the markup on amortisation (which no list prices).
    """
    factor = prices.markup()
    in_scope = node_dim[node_dim["cluster_id"].isin(clusters)]
    pools: list[Pool] = []
    host_parts: dict[tuple[str, PoolName], list[Decimal]] = {}
    host_cores = dict(zip(host_dim["host"], host_dim["cpu_cores"], strict=True))
    wanted = set(clusters)
    vcpus: dict[str, dict[str, float]] = {}  # host -> cluster -> node vCPUs on it
    for cluster_id, host, cpu in zip(node_dim["cluster_id"].tolist(), node_dim["vsphere_host"].tolist(),
                                     node_dim["cpu_cores"].astype(float).tolist(), strict=True):
        if isinstance(host, str) and host:
            on_host = vcpus.setdefault(host, {})
            on_host[cluster_id] = on_host.get(cluster_id, 0.0) + cpu
    for host in sorted(vcpus):
        on_host = dict(sorted(vcpus[host].items()))
        if not set(on_host) & wanted:
            continue
        asset = host_asset(host, config.hosts)
        if asset is None:
            names = ", ".join(sorted(set(on_host) & wanted))
            raise ConfigError(f"host {host} carries nodes of cluster(s) {names} but no hosts entry prices it; "
                              "clusters without a cost pool cannot be charged", field=f"{FIELD}.hosts")
        cores = Decimal(int(host_cores.get(host, 0) or 0))
        if cores == 0 and any(span.price_list.vmware_licence.per == "core"
                              and span.price_list.vmware_licence.monthly > 0 for span in prices.spans):
            raise DataError(f"host {host} carries nodes of cluster(s) {', '.join(sorted(set(on_host) & wanted))} but "
                            "the vSphere inventory has no core count for it, so its per-core VMware licence cannot "
                            "be priced; collect the vCenter's inventory first", table="vsphere_host")
        vmware = prices.blend(lambda span, c=cores: _vmware_licence(span.price_list, c))
        costs = {PoolName.HARDWARE: cents(amortisation(asset, month_start) * factor),
                 PoolName.VMWARE_LICENCE: cents(vmware)}
        for pool, amount in costs.items():
            for cluster_id, part in zip(on_host, split(amount, list(on_host.values())), strict=True):
                host_parts.setdefault((cluster_id, pool), []).append(part)
    node_hours = nodes.set_index(["cluster_id", "node"])["node_hours"].to_dict()
    for cluster_id in clusters:
        if (cluster_id, PoolName.HARDWARE) not in host_parts:
            raise ConfigError(f"cluster {cluster_id} has facts in the month but none of its nodes sits on a "
                              "vSphere host in the inventory, so it has no hardware cost pool",
                              field=f"{FIELD}.hosts")
        for pool, note in ((PoolName.HARDWARE, f"; {prices.describe_markup()}"),
                           (PoolName.VMWARE_LICENCE, f"; {_licence_note(prices, 'vmware_licence')}")):
            parts = host_parts.get((cluster_id, pool), [])
            pools.append(Pool(cluster_id, pool, sum(parts, Decimal(0)),
                              f"{len(parts)} host(s), split by the cluster's node vCPUs on each host{note}"))
        workers = in_scope[(in_scope["cluster_id"] == cluster_id) & (in_scope["role"] == "worker")]
        ran = [node_hours.get((cluster_id, n), 0.0) / hours_in_month for n in workers["node"]]
        core_months = sum((dec(float(c)) * dec(r) for c, r in zip(workers["cpu_cores"], ran, strict=True)),
                          Decimal(0))
        node_months = sum((dec(r) for r in ran), Decimal(0))
        units = {"core": (core_months, "worker core-months"), "host": (node_months, "worker node-months")}
        pools.append(_openshift_pool(cluster_id, prices, units))
        for pool, price in ((PoolName.SUPPORT, _support), (PoolName.NETWORK, _network)):
            pools.append(Pool(cluster_id, pool, cents(prices.blend(price)),
                              f"1 cluster-month x {prices.describe(price)}"))
    return pools


def _support(span: PriceSpan) -> Decimal:
    return span.price_list.support_per_cluster_month


def _network(span: PriceSpan) -> Decimal:
    return span.price_list.network_per_cluster_month


def _vmware_licence(price_list: PriceList, cores: Decimal) -> Decimal:
    licence = price_list.vmware_licence
    return licence.monthly * (cores if licence.per == "core" else Decimal(1))


def _licence_note(prices: MonthPrices, name: str) -> str:
    """Which licence price each version set, e.g. ``vmware_licence 11.50 per core x 1 (2026.1 for 720 h)``."""
    def price(span: PriceSpan) -> str:
        licence = getattr(span.price_list, name)
        return f"{licence.monthly} per {licence.per}"
    if len(prices.spans) == 1:
        return f"{name} {price(prices.spans[0])} x {prices.spans[0].price_list.factor} ({prices.shares})"
    terms = ", ".join(f"{price(span)} x {span.price_list.factor} for {span.hours} h under "
                      f"{span.price_list.version}" for span in prices.spans)
    return f"{name} hour-weighted: {terms}"


def _openshift_pool(cluster_id: str, prices: MonthPrices, units: dict[str, tuple[Decimal, str]]) -> Pool:
    """Worker core-months or node-months (as each version counts them) x the subscription price."""
    def price(span: PriceSpan) -> Decimal:
        licence = span.price_list.openshift_licence
        return units[licence.per][0] * licence.monthly
    counted = {span.price_list.openshift_licence.per for span in prices.spans}
    if len(counted) == 1:
        quantity, unit_name = units[counted.pop()]
        def monthly(span: PriceSpan) -> Decimal:
            return span.price_list.openshift_licence.monthly
        basis = f"{float(quantity):.2f} {unit_name} x {prices.describe(monthly)}"
    else:  # the versions count different units: name each version's quantity
        basis = "; ".join(f"{float(units[span.price_list.openshift_licence.per][0]):.2f} "
                          f"{units[span.price_list.openshift_licence.per][1]} x "
                          f"{span.price_list.openshift_licence.monthly} x {span.price_list.factor} for "
                          f"{span.hours} h under {span.price_list.version}" for span in prices.spans)
        basis = f"hour-weighted over {prices.hours} h: {basis}"
    return Pool(cluster_id, PoolName.OPENSHIFT_LICENCE, cents(prices.blend(price)), basis)
