"""What a statement shows besides its lines: efficiency and waste per namespace, entitlement per
sector (bought vs requested vs used, and the cost of the unused purchase), data completeness."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from chargeback.config import CostModelConfig, Entitlement
from chargeback.price_periods import in_force
from chargeback.rounding import cents, dec
from chargeback.types import PAYS_FOR, Resource
from common.names import UNALLOCATED, CostType
from common.windows import Window
from warehouse.chargeback_facts import MonthFacts

EFFICIENCY_COLUMNS = ["cluster_id", "namespace", "sector_id", "cpu_usage_core_hours", "cpu_request_core_hours",
                      "memory_usage_gib_hours", "memory_request_gib_hours", "cpu_efficiency",
                      "memory_efficiency", "charged_amount", "wasted_amount"]
ENTITLEMENT_COLUMNS = ["sector_id", "resource", "purchased", "requested", "used", "unused_amount", "basis"]
TB_PER_GIB = 2**30 / 10**12


def _with_sector(frame: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    out = frame.merge(mapping, on=["cluster_id", "namespace"], how="left")
    out["sector_id"] = out["sector_id"].where(out["sector_id"].notna(), UNALLOCATED)
    out["is_platform"] = out["is_platform"].fillna(False).astype(bool)
    return out


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def efficiency(usage: pd.DataFrame, lines: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Per tenant namespace: usage / request, and the part of its direct CPU and memory charge that
    paid for requested-but-unused capacity (effective minus usage, over effective)."""
    sums = usage.groupby(["cluster_id", "namespace"], as_index=False)[
        ["cpu_effective_core_hours", "memory_effective_gib_hours", "cpu_usage_core_hours",
         "cpu_request_core_hours", "memory_usage_gib_hours", "memory_request_gib_hours"]].sum()
    sums = _with_sector(sums, mapping)
    sums = sums[~sums["is_platform"]]
    charges: dict[tuple[str, str, str], Decimal] = {}
    direct = lines[lines["cost_type"].isin([CostType.CPU.value, CostType.MEMORY.value])]
    # Columns as lists, not itertuples: iterating Arrow-backed text cell by cell costs more than the sums.
    for key in zip(direct["cluster_id"].tolist(), direct["namespace"].tolist(), direct["cost_type"].tolist(),
                   direct["amount"].tolist(), strict=True):
        charges[key[:3]] = charges.get(key[:3], Decimal(0)) + key[3]
    rows = []
    columns = ["cluster_id", "namespace", "sector_id", "cpu_effective_core_hours", "cpu_usage_core_hours",
               "cpu_request_core_hours", "memory_effective_gib_hours", "memory_usage_gib_hours",
               "memory_request_gib_hours"]
    for (cluster_id, namespace, sector_id, cpu_eff, cpu_used, cpu_req, mem_eff, mem_used,
         mem_req) in zip(*(sums[c].tolist() for c in columns), strict=True):
        cpu = charges.get((cluster_id, namespace, CostType.CPU), Decimal(0))
        mem = charges.get((cluster_id, namespace, CostType.MEMORY), Decimal(0))
        cpu_waste = max(cpu_eff - cpu_used, 0.0)
        mem_waste = max(mem_eff - mem_used, 0.0)
        wasted = (cpu * dec(_ratio(cpu_waste, cpu_eff) or 0.0) + mem * dec(_ratio(mem_waste, mem_eff) or 0.0))
        rows.append([cluster_id, namespace, sector_id, cpu_used, cpu_req, mem_used, mem_req,
                     _ratio(cpu_used, cpu_req), _ratio(mem_used, mem_req), cpu + mem, cents(wasted)])
    return pd.DataFrame(rows, columns=EFFICIENCY_COLUMNS)


def _in_force_hours(item: Entitlement, month: Window) -> int:
    """Hours of ``month`` the entitlement covers (from 00:00 UTC on its first day to 24:00 on its last)."""
    covered = in_force(item.effective_from, item.effective_to, month)
    return 0 if covered is None else covered.hours()


def _purchases(config: CostModelConfig, month: Window) -> dict[str, tuple[dict[str, Decimal], list[str]]]:
    """Per sector: cores, GiB and TB bought, averaged over the month's hours, and the purchases in force
    for part of the month only."""
    hours = month.hours()
    out: dict[str, tuple[dict[str, Decimal], list[str]]] = {}
    for item in config.entitlements:
        covered = _in_force_hours(item, month)
        if covered == 0:
            continue
        bought, partial = out.setdefault(item.sector, (dict.fromkeys(("cpu", "memory", "storage"), Decimal(0)), []))
        for resource, amount in (("cpu", item.cores), ("memory", item.memory_gib), ("storage", item.storage_tb)):
            bought[resource] += amount * covered / hours
        if covered < hours:
            partial.append(f"{item.effective_from} to {item.effective_to or 'open'} for {covered} h")
    return out


def _compute_charges(lines: pd.DataFrame, cpu_share: Decimal) -> dict[str, tuple[Decimal, Decimal]]:
    """Per sector: the CPU and the memory part of its compute charge. Pools that pay for whole nodes
    (the pools model's compute pools, the rate card's node and cluster fees) split by ``cpu_share``;
    the rate card's CPU and memory rates are wholly CPU or wholly memory."""
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for sector, pool, amount in zip(lines["sector_id"].tolist(), lines["pool"].tolist(), lines["amount"].tolist(),
                                    strict=True):
        cpu, memory = out.get(sector, (Decimal(0), Decimal(0)))
        pays_for = PAYS_FOR.get(pool)
        if pays_for is Resource.CPU:
            cpu += amount
        elif pays_for is Resource.MEMORY:
            memory += amount
        elif pays_for is Resource.NODES:
            cpu, memory = cpu + amount * cpu_share, memory + amount * (1 - cpu_share)
        out[sector] = (cpu, memory)
    return out


def entitlement(config: CostModelConfig, month: Window, facts: MonthFacts, lines: pd.DataFrame,
                mapping: pd.DataFrame) -> pd.DataFrame:
    """Per sector with an entitlement in force in ``month``: purchased vs average requested and used.

    What was purchased is averaged over the month's hours, so a purchase that starts or ends within
    the month counts for the hours it was in force. The unused purchase is ``purchased - max(requested,
    used)`` (never negative); its cost is that fraction of the sector's compute charge (CPU part for
    cores, memory part for GiB) or of its storage charge (for TB).
    """
    hours = month.hours()
    usage = _with_sector(facts.usage, mapping)
    usage = usage[~usage["is_platform"]].groupby("sector_id")[
        ["cpu_request_core_hours", "cpu_usage_core_hours", "memory_request_gib_hours",
         "memory_usage_gib_hours"]].sum()
    pvcs = _with_sector(facts.pvcs, mapping).groupby("sector_id")["capacity_gib_hours"].sum()
    compute = _compute_charges(lines, config.allocation.cpu_share)
    storage_pools = [pool for pool, pays_for in PAYS_FOR.items() if pays_for is Resource.STORAGE]
    storage = lines[lines["pool"].isin(storage_pools)].groupby("sector_id")["amount"].sum()
    rows = []
    for s, (bought, partial) in _purchases(config, month).items():
        u = usage.loc[s] if s in usage.index else None

        def avg(column: str, u: pd.Series | None = u) -> float:
            return float(u[column]) / hours if u is not None else 0.0

        cpu_charge, memory_charge = compute.get(s, (Decimal(0), Decimal(0)))
        stored_tb = float(pvcs.get(s, 0.0)) * TB_PER_GIB / hours
        resources = [
            ("cpu", avg("cpu_request_core_hours"), avg("cpu_usage_core_hours"), cpu_charge,
             "cores", "CPU part of the compute charge"),
            ("memory", avg("memory_request_gib_hours"), avg("memory_usage_gib_hours"),
             memory_charge, "GiB", "memory part of the compute charge"),
            ("storage", stored_tb, stored_tb, Decimal(storage.get(s, Decimal(0))), "TB", "storage charge"),
        ]
        held = (f" (purchases in force part of the month, averaged over its {hours} h: {'; '.join(partial)})"
                if partial else "")
        for resource, requested, used, charge, unit, what in resources:
            if bought[resource] <= 0:
                continue
            unused = max(float(bought[resource]) - max(requested, used), 0.0)
            fraction = dec(unused) / bought[resource]
            rows.append([s, resource, float(bought[resource]), requested, used, cents(charge * fraction),
                         f"{unused:,.2f} of {float(bought[resource]):,.2f} {unit} bought were neither requested "
                         f"nor used on average: {fraction:.2%} of the sector's {what} ({cents(charge)}){held}"])
    return pd.DataFrame(rows, columns=ENTITLEMENT_COLUMNS)


def completeness(coverage: pd.DataFrame, clusters: list[str], hours: int) -> dict[str, dict[str, object]]:
    """Per cluster (``clusters``: every cluster of the inventory and any with facts): hours of the month
    collected by succeeded runs and with node facts, and failed runs."""
    known = coverage.set_index("cluster_id")
    out: dict[str, dict[str, object]] = {}
    for cluster_id in sorted(set(clusters)):
        row = known.loc[cluster_id] if cluster_id in known.index else None
        collected = int(row["collected_hours"]) if row is not None else 0
        nodes = int(row["node_hours_present"]) if row is not None else 0
        failed = int(row["failed_runs"]) if row is not None else 0
        out[cluster_id] = {"expected_hours": hours, "collected_hours": collected, "node_hours": nodes,
                           "failed_runs": failed, "ratio": round(min(collected, nodes) / hours, 4) if hours else 0.0,
                           "complete": collected == hours and nodes == hours and failed == 0}
    return out
