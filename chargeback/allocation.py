"""Allocation of a cluster's pools to its namespaces.

Per node, CPU and memory capacity over the month is shared by the namespaces' effective usage
(max of request and usage per pod and hour); what no namespace used is the node's idle capacity.
Nodes weigh in by their capacity, so each namespace's share of the cluster's CPU part is
``sum over nodes of capacity_n / capacity_total * effective_n,ns / max(capacity_n, effective_n)``
(a node whose pods burst above its capacity shares exactly its capacity). A node's cost is split
into a CPU part and a memory part by ``allocation.cpu_share``.

Then:
- platform namespaces, and the idle capacity of control-plane and infra nodes, are platform cost,
  distributed to the cluster's tenant namespaces by their effective CPU or memory;
- idle capacity of worker nodes goes to the owning sector as purchased-but-unused ("(idle)"), or
  is distributed to tenants by effective usage (always on a shared cluster, which has no owner);
- a cluster without tenants keeps its platform cost in a "(platform)" line of its owner, or of
  UNALLOCATED on a shared cluster.

Each pool is split over the resulting weights with largest-remainder rounding, so a cluster's
lines of one pool sum to that pool to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from chargeback.config import AllocationConfig
from chargeback.rounding import split

UNALLOCATED = "UNALLOCATED"
IDLE = "(idle)"
PLATFORM = "(platform)"
LINE_COLUMNS = ["sector_id", "cluster_id", "namespace", "application", "cost_centre", "cost_type", "pool",
                "quantity", "unit", "rate", "pool_amount", "share", "basis", "amount"]


@dataclass(frozen=True)
class Recipient:
    """One (namespace, cost type) that receives a share of the cluster's compute pools."""

    namespace: str
    cost_type: str
    weight: float
    quantity: float
    unit: str
    why: str


@dataclass(frozen=True)
class ClusterContext:
    cluster_id: str
    owner: str | None          # owning sector of a dedicated cluster; None when shared
    mapping: pd.DataFrame      # namespace-indexed: sector_id, application, cost_centre, is_platform


def _tenant(ctx: ClusterContext, namespace: str) -> bool:
    if namespace in (IDLE, PLATFORM):
        return False
    if namespace not in ctx.mapping.index:
        return True  # a namespace the inventory does not know is a tenant nothing maps
    return not bool(ctx.mapping.at[namespace, "is_platform"])


def basis_shares(per_namespace: pd.DataFrame, ctx: ClusterContext, column: str) -> dict[str, float]:
    """Each tenant namespace's share of ``column`` (e.g. effective CPU) within the cluster."""
    if per_namespace.empty:
        return {}
    mask = [_tenant(ctx, str(ns)) for ns in per_namespace.index]
    tenants = per_namespace.loc[mask, column]
    tenants = tenants[tenants > 0]
    total = float(tenants.sum())
    return {} if total <= 0 else {str(ns): float(v) / total for ns, v in tenants.items()}


def compute_recipients(usage: pd.DataFrame, nodes: pd.DataFrame, ctx: ClusterContext,
                       config: AllocationConfig) -> list[Recipient]:
    """Weights (summing to 1) of every recipient of the cluster's compute pools."""
    r = float(config.cpu_share)
    caps = nodes.set_index("node")[["role", "cpu_capacity_core_hours", "memory_capacity_gib_hours"]]
    used = usage.groupby("node")[["cpu_effective_core_hours", "memory_effective_gib_hours"]].sum()
    caps = caps.join(used, how="left").fillna({"cpu_effective_core_hours": 0.0, "memory_effective_gib_hours": 0.0})
    per_ns = usage.groupby("namespace")[["cpu_effective_core_hours", "memory_effective_gib_hours"]].sum()
    direct: dict[str, dict[str, float]] = {"cpu": {}, "memory": {}}
    platform = {"cpu": 0.0, "memory": 0.0}
    idle = {"cpu": 0.0, "memory": 0.0}
    idle_quantity = {"cpu": 0.0, "memory": 0.0}
    for resource, cap_col, eff_col in (("cpu", "cpu_capacity_core_hours", "cpu_effective_core_hours"),
                                       ("memory", "memory_capacity_gib_hours", "memory_effective_gib_hours")):
        cap = caps[cap_col].astype(float)
        if float(cap.sum()) <= 0:  # no capacity facts: share by effective usage, no idle
            cap = caps[eff_col].astype(float)
        total = float(cap.sum())
        if total <= 0:
            continue
        denom = pd.concat([cap, caps[eff_col]], axis=1).max(axis=1)
        denom = denom.where(denom > 0)
        node_share = cap / total
        # (effective / denominator) first, then the node's share: no overflow on tiny capacities
        weights = (usage[eff_col] / usage["node"].map(denom)).fillna(0.0) * usage["node"].map(node_share).fillna(0.0)
        by_ns = weights.groupby(usage["namespace"]).sum()
        for ns, w in by_ns.items():
            if _tenant(ctx, str(ns)):
                direct[resource][str(ns)] = float(w)
            else:
                platform[resource] += float(w)
        spare = (cap - caps[eff_col]).clip(lower=0.0)
        node_idle = (spare / denom).fillna(0.0) * node_share
        workers = caps["role"] == "worker"
        idle[resource] += float(node_idle[workers].sum())
        idle_quantity[resource] += float(spare[workers].sum())
        platform[resource] += float(node_idle[~workers].sum())

    parts = {"cpu": r, "memory": 1.0 - r}
    units = {"cpu": "core-hours", "memory": "GiB-hours"}
    eff_col = {"cpu": "cpu_effective_core_hours", "memory": "memory_effective_gib_hours"}
    out: list[Recipient] = []
    for resource in ("cpu", "memory"):
        for ns, w in sorted(direct[resource].items()):
            out.append(Recipient(ns, resource, parts[resource] * w, float(per_ns.at[ns, eff_col[resource]]),
                                 f"effective {units[resource]}",
                                 f"{resource} part {parts[resource]:.2f} x effective {resource} share"))
    basis = "cpu_effective_core_hours" if config.platform_basis == "cpu" else "memory_effective_gib_hours"
    platform_weight = parts["cpu"] * platform["cpu"] + parts["memory"] * platform["memory"]
    out.extend(spread(platform_weight, basis_shares(per_ns, ctx, basis), per_ns[basis], "platform",
                       f"effective {config.platform_basis} ({units[config.platform_basis]})",
                       f"platform namespaces and control-plane/infra nodes by effective {config.platform_basis}"))
    idle_weight = parts["cpu"] * idle["cpu"] + parts["memory"] * idle["memory"]
    if config.idle == "owner" and ctx.owner:
        if idle_weight > 0:
            out.append(Recipient(IDLE, "idle", idle_weight, idle_quantity["cpu"], "idle core-hours",
                                 "unused worker capacity, purchased by the owning sector"))
    else:
        for resource in ("cpu", "memory"):
            out.extend(spread(parts[resource] * idle[resource],
                               basis_shares(per_ns, ctx, eff_col[resource]), per_ns[eff_col[resource]],
                               "idle", f"effective {units[resource]}",
                               f"unused worker {resource} capacity by effective {resource}"))
    total = sum(rec.weight for rec in out)
    if total <= 0:  # no capacity and no usage facts: the pool is unused capacity as a whole
        return [Recipient(IDLE, "idle", 1.0, 0.0, "cluster-months", "no capacity or usage facts in the month")]
    # a resource without any basis (say CPU with cpu_share 1 but no CPU facts) leaves weight unassigned:
    # scale so that the recipients carry the whole pool
    return [Recipient(r.namespace, r.cost_type, r.weight / total, r.quantity, r.unit, r.why) for r in _merge(out)]


def spread(weight: float, shares: dict[str, float], quantities: pd.Series, cost_type: str, unit: str,
            why: str) -> list[Recipient]:
    if weight <= 0:
        return []
    if not shares:
        return [Recipient(PLATFORM if cost_type == "platform" else IDLE, cost_type, weight, 0.0, unit,
                          f"{why}; the cluster has no tenant usage to carry it")]
    return [Recipient(ns, cost_type, weight * s, float(quantities.get(ns, 0.0)), unit, why)
            for ns, s in sorted(shares.items())]


def _merge(recipients: list[Recipient]) -> list[Recipient]:
    """One recipient per (namespace, cost type): idle spread by CPU and by memory is one line."""
    merged: dict[tuple[str, str], Recipient] = {}
    for rec in recipients:
        key = (rec.namespace, rec.cost_type)
        if key in merged:
            old = merged[key]
            merged[key] = Recipient(rec.namespace, rec.cost_type, old.weight + rec.weight, old.quantity,
                                    old.unit, old.why if old.why == rec.why else f"{old.why}; {rec.why}")
        else:
            merged[key] = rec
    return list(merged.values())


def sector_of(ctx: ClusterContext, namespace: str) -> tuple[str, str | None, str | None]:
    """(sector, application, cost centre) of a line's namespace; unmapped ones land in UNALLOCATED."""
    if namespace in (IDLE, PLATFORM):
        return ctx.owner or UNALLOCATED, None, None
    if namespace not in ctx.mapping.index:
        return UNALLOCATED, None, None
    row = ctx.mapping.loc[namespace]
    sector = row["sector_id"] if isinstance(row["sector_id"], str) and row["sector_id"] else UNALLOCATED
    app = row["application"] if isinstance(row["application"], str) else None
    cc = row["cost_centre"] if isinstance(row["cost_centre"], str) else None
    return sector, app, cc


def pool_lines(ctx: ClusterContext, pool: str, amount: Decimal, recipients: list[Recipient],
               currency: str, pool_basis: str) -> list[dict[str, object]]:
    """The lines of one pool: its amount split over the recipients to the cent."""
    if amount == 0 or not recipients:
        return []
    parts = split(amount, [rec.weight for rec in recipients])
    total_weight = sum(rec.weight for rec in recipients)
    lines = []
    for rec, part in zip(recipients, parts, strict=True):
        if part == 0:
            continue
        sector, app, cc = sector_of(ctx, rec.namespace)
        share = rec.weight / total_weight
        lines.append({
            "sector_id": sector, "cluster_id": ctx.cluster_id, "namespace": rec.namespace,
            "application": app, "cost_centre": cc, "cost_type": rec.cost_type, "pool": pool,
            "quantity": rec.quantity, "unit": rec.unit, "rate": None, "pool_amount": amount, "share": share,
            "basis": f"{share:.6%} of the {pool} pool of {ctx.cluster_id} ({amount} {currency}; {pool_basis}): "
                     f"{rec.why}, {rec.quantity:,.2f} {rec.unit}",
            "amount": part,
        })
    return lines


def rated_lines(ctx: ClusterContext, pool: str, cost_type: str, items: pd.DataFrame, currency: str,
                platform_basis: dict[str, float], platform_quantity: pd.Series) -> list[dict[str, object]]:
    """Quantity x rate lines (``items``: namespace, quantity, unit, rate, amount, what); the platform
    namespaces' amounts are then spread over the tenants as a platform pool (largest remainder)."""
    lines: list[dict[str, object]] = []
    platform_total = Decimal(0)
    for item in items.itertuples(index=False):
        if not _tenant(ctx, item.namespace):
            platform_total += item.amount
            continue
        if item.amount == 0:
            continue
        sector, app, cc = sector_of(ctx, item.namespace)
        lines.append({
            "sector_id": sector, "cluster_id": ctx.cluster_id, "namespace": item.namespace,
            "application": app, "cost_centre": cc, "cost_type": cost_type, "pool": pool,
            "quantity": item.quantity, "unit": item.unit, "rate": item.rate, "pool_amount": None, "share": None,
            "basis": f"{item.quantity:,.4f} {item.unit} x {item.rate} {currency}{item.what}",
            "amount": item.amount,
        })
    if platform_total:
        recipients = spread(1.0, platform_basis, platform_quantity, "platform", "basis",
                             f"{pool} of platform namespaces by the platform basis")
        lines.extend(pool_lines(ctx, pool, platform_total, recipients, currency,
                                f"{pool} charged to platform namespaces"))
    return lines
