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

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from chargeback.config import AllocationConfig
from chargeback.rounding import split
from chargeback.types import PoolName, StatementLine
from common.names import UNALLOCATED, CostType

IDLE = "(idle)"
PLATFORM = "(platform)"
RESOURCES = {"cpu": CostType.CPU, "memory": CostType.MEMORY}  # what a resource's direct share charges as


@dataclass(frozen=True)
class Recipient:
    """One (namespace, cost type) that receives a share of the cluster's compute pools."""

    namespace: str
    cost_type: CostType
    weight: float
    quantity: float
    unit: str
    why: str


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class NamespaceInfo:
    """What the namespace dimension resolved for one namespace."""

    sector_id: str | None
    application: str | None
    cost_centre: str | None
    is_platform: bool
    labels: str | None = None  # JSON object, for label-based rates

    @classmethod
    def of(cls, sector_id: object, application: object, cost_centre: object, is_platform: object,
           labels: object = None) -> NamespaceInfo:
        return cls(_text(sector_id), _text(application), _text(cost_centre), bool(is_platform), _text(labels))


@dataclass(frozen=True)
class ClusterContext:
    cluster_id: str
    owner: str | None                      # owning sector of a dedicated cluster; None when shared
    namespaces: dict[str, NamespaceInfo]   # the cluster's namespaces as resolved at load time


def _tenant(ctx: ClusterContext, namespace: str) -> bool:
    if namespace in (IDLE, PLATFORM):
        return False
    info = ctx.namespaces.get(namespace)
    return True if info is None else not info.is_platform  # unknown to the inventory: an unmapped tenant


def basis_shares(quantities: Mapping[str, float], ctx: ClusterContext) -> dict[str, float]:
    """Each tenant namespace's share of ``quantities`` (e.g. effective CPU per namespace) in the cluster."""
    tenants = {str(ns): float(v) for ns, v in quantities.items() if v > 0 and _tenant(ctx, str(ns))}
    total = sum(tenants.values())
    return {} if total <= 0 else {ns: v / total for ns, v in tenants.items()}


def _sums(usage: pd.DataFrame) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]],
                                         list[tuple[str, str, float, float]]]:
    """Effective CPU and memory per node and per namespace, and the (node, namespace) rows, as plain
    Python (a cluster has some thousand rows: dicts beat pandas' per-call overhead here)."""
    rows = list(zip(usage["node"].tolist(), usage["namespace"].tolist(),
                    usage["cpu_effective_core_hours"].astype(float).tolist(),
                    usage["memory_effective_gib_hours"].astype(float).tolist(), strict=True))
    per_node: dict[str, dict[str, float]] = {"cpu": {}, "memory": {}}
    per_ns: dict[str, dict[str, float]] = {"cpu": {}, "memory": {}}
    for node, ns, cpu, mem in rows:
        for resource, value in (("cpu", cpu), ("memory", mem)):
            per_node[resource][node] = per_node[resource].get(node, 0.0) + value
            per_ns[resource][ns] = per_ns[resource].get(ns, 0.0) + value
    return per_node, per_ns, rows


def compute_recipients(usage: pd.DataFrame, nodes: pd.DataFrame, ctx: ClusterContext,
                       config: AllocationConfig) -> list[Recipient]:
    """Weights (summing to 1) of every recipient of the cluster's compute pools."""
    r = float(config.cpu_share)
    roles = dict(zip(nodes["node"].tolist(), nodes["role"].tolist(), strict=True))
    capacity = {"cpu": dict(zip(nodes["node"].tolist(), nodes["cpu_capacity_core_hours"].astype(float).tolist(),
                                strict=True)),
                "memory": dict(zip(nodes["node"].tolist(),
                                   nodes["memory_capacity_gib_hours"].astype(float).tolist(), strict=True))}
    per_node, per_ns, rows = _sums(usage)
    direct: dict[str, dict[str, float]] = {"cpu": {}, "memory": {}}
    platform = {"cpu": 0.0, "memory": 0.0}
    idle = {"cpu": 0.0, "memory": 0.0}
    idle_quantity = {"cpu": 0.0, "memory": 0.0}
    for resource, column in (("cpu", 2), ("memory", 3)):
        cap = capacity[resource]
        if sum(cap.values()) <= 0:  # no capacity facts: share by effective usage, no idle
            cap = dict(per_node[resource])
        total = sum(cap.values())
        if total <= 0:
            continue
        used = per_node[resource]
        denom = {n: max(c, used.get(n, 0.0)) for n, c in cap.items()}
        share = {n: c / total for n, c in cap.items()}
        for row in rows:
            node, ns = row[0], row[1]
            d = denom.get(node, 0.0)
            if d <= 0:
                continue  # pods on a node without capacity facts: their node carries no cost
            weight = row[column] / d * share[node]
            if _tenant(ctx, ns):
                direct[resource][ns] = direct[resource].get(ns, 0.0) + weight
            else:
                platform[resource] += weight
        for node, c in cap.items():
            spare = max(c - used.get(node, 0.0), 0.0)
            if denom[node] <= 0 or spare <= 0:
                continue
            if roles.get(node, "worker") == "worker":
                idle[resource] += spare / denom[node] * share[node]
                idle_quantity[resource] += spare
            else:
                platform[resource] += spare / denom[node] * share[node]

    parts = {"cpu": r, "memory": 1.0 - r}
    units = {"cpu": "core-hours", "memory": "GiB-hours"}
    out: list[Recipient] = []
    for resource in ("cpu", "memory"):
        for ns, w in sorted(direct[resource].items()):
            out.append(Recipient(ns, RESOURCES[resource], parts[resource] * w, per_ns[resource][ns],
                                 f"effective {units[resource]}",
                                 f"{resource} part {parts[resource]:.2f} x effective {resource} share"))
    basis = config.platform_basis
    platform_weight = parts["cpu"] * platform["cpu"] + parts["memory"] * platform["memory"]
    out.extend(spread(platform_weight, basis_shares(per_ns[basis], ctx), per_ns[basis], CostType.PLATFORM,
                      f"effective {basis} ({units[basis]})",
                      f"platform namespaces and control-plane/infra nodes by effective {basis}"))
    idle_weight = parts["cpu"] * idle["cpu"] + parts["memory"] * idle["memory"]
    if config.idle == "owner" and ctx.owner:
        if idle_weight > 0:
            out.append(Recipient(IDLE, CostType.IDLE, idle_weight, idle_quantity["cpu"], "idle core-hours",
                                 "unused worker capacity, purchased by the owning sector: cpu part "
                                 f"{parts['cpu']:.2f} x {idle['cpu']:.6%} of the CPU capacity idle + memory part "
                                 f"{parts['memory']:.2f} x {idle['memory']:.6%} of the memory capacity idle "
                                 f"({idle_quantity['memory']:,.2f} idle GiB-hours)"))
    else:
        for resource in ("cpu", "memory"):
            out.extend(spread(parts[resource] * idle[resource], basis_shares(per_ns[resource], ctx),
                              per_ns[resource], CostType.IDLE, f"effective {units[resource]}",
                              f"unused worker {resource} capacity by effective {resource}"))
    total = sum(rec.weight for rec in out)
    if total <= 0:  # no capacity and no usage facts: the pool is unused capacity as a whole
        return [Recipient(IDLE, CostType.IDLE, 1.0, 0.0, "cluster-months", "no capacity or usage facts in the month")]
    # a resource without any basis (say CPU with cpu_share 1 but no CPU facts) leaves weight unassigned:
    # scale so that the recipients carry the whole pool
    return [Recipient(r.namespace, r.cost_type, r.weight / total, r.quantity, r.unit, r.why) for r in _merge(out)]


def spread(weight: float, shares: dict[str, float], quantities: Mapping[str, float], cost_type: CostType,
           unit: str, why: str) -> list[Recipient]:
    if weight <= 0:
        return []
    if not shares:
        return [Recipient(PLATFORM if cost_type == CostType.PLATFORM else IDLE, cost_type, weight, 0.0, unit,
                          f"{why}; the cluster has no tenant usage to carry it")]
    # the line's share of the pool is the product of the two: name both, so it can be recomputed
    return [Recipient(ns, cost_type, weight * s, float(quantities.get(ns, 0.0)), unit,
                      f"{why}: {s:.6%} of the tenants' {unit} x {weight:.6%} of the pool")
            for ns, s in sorted(shares.items())]


def _merge(recipients: list[Recipient]) -> list[Recipient]:
    """One recipient per (namespace, cost type): idle spread by CPU and by memory is one line."""
    merged: dict[tuple[str, CostType], Recipient] = {}
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
    info = ctx.namespaces.get(namespace)
    if info is None:
        return UNALLOCATED, None, None
    return info.sector_id or UNALLOCATED, info.application, info.cost_centre


def pool_lines(ctx: ClusterContext, pool: PoolName, amount: Decimal, recipients: list[Recipient],
               currency: str, pool_basis: str) -> list[StatementLine]:
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
        lines.append(StatementLine(
            sector, ctx.cluster_id, rec.namespace, app, cc, rec.cost_type, pool, rec.quantity, rec.unit,
            rate=None, pool_amount=amount, share=share,
            basis=f"{share:.6%} of the {pool} pool of {ctx.cluster_id} ({amount} {currency}; {pool_basis}): "
                  f"{rec.why}, {rec.quantity:,.2f} {rec.unit}",
            amount=part))
    return lines


def rated_lines(ctx: ClusterContext, pool: PoolName, items: pd.DataFrame, currency: str,
                platform_basis: dict[str, float], platform_quantity: Mapping[str, float],
                basis_unit: str = "effective core-hours") -> list[StatementLine]:
    """Quantity x rate lines of ``pool`` (``items``: namespace, quantity, unit, rate, amount, what), charged
    as the pool's cost type; the platform namespaces' amounts are then spread over the tenants as a
    platform pool (largest remainder)."""
    cost_type = pool.charged_as
    lines: list[StatementLine] = []
    platform_total = Decimal(0)
    # Columns as lists, not itertuples: iterating Arrow-backed text cell by cell is the slow part.
    for namespace, quantity, unit, rate, amount, what in zip(
            *(items[c].tolist() for c in ("namespace", "quantity", "unit", "rate", "amount", "what")), strict=True):
        if not _tenant(ctx, namespace):
            platform_total += amount
            continue
        if amount == 0:
            continue
        sector, app, cc = sector_of(ctx, namespace)
        lines.append(StatementLine(
            sector, ctx.cluster_id, namespace, app, cc, cost_type, pool, quantity, unit,
            rate=rate, pool_amount=None, share=None, basis=f"{quantity:,.4f} {unit} x {rate} {currency}{what}",
            amount=amount))
    if platform_total:
        recipients = spread(1.0, platform_basis, platform_quantity, CostType.PLATFORM, basis_unit,
                            f"{pool} of platform namespaces by {basis_unit}")
        lines.extend(pool_lines(ctx, pool, platform_total, recipients, currency,
                                f"{pool} charged to platform namespaces"))
    return lines
