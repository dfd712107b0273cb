"""A month's statement as a person reads it, built from a stored version.

Each builder is a function from the stored statement (or one of its frames) to a small typed value:
``summary`` (lines summed over pools), ``pools_by_cluster``, ``largest_waste``, ``entitlement``;
``statement_report`` gathers them with the notes for the renderers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from chargeback.stored import StatementHeader, StoredStatement
from chargeback.types import POOL_ORDER  # then any other pool, by name
from reports.notes import CompletenessNote, RestatementNote, completeness_note, restatement_note

SUMMARY_KEYS = ["sector_id", "cluster_id", "namespace", "application", "cost_centre", "cost_type"]
TOP_WASTE = 10
ENTITLEMENT_COLUMNS = ["sector_id", "resource", "purchased", "requested", "used", "unused_amount"]


@dataclass(frozen=True)
class SectorShare:
    sector_id: str
    amount: Decimal
    share: Decimal | None  # of the statement's total; None when the total is zero


@dataclass(frozen=True)
class Summary:
    """Lines summed over pools: one row per (sector, cluster, namespace, application, cost centre, cost
    type), with the total and the totals per sector."""

    rows: pd.DataFrame  # SUMMARY_KEYS + amount, sorted by the keys
    total: Decimal
    by_sector: tuple[SectorShare, ...]  # by sector id


def summary(lines: pd.DataFrame) -> Summary:
    if lines.empty:
        return Summary(pd.DataFrame(columns=[*SUMMARY_KEYS, "amount"]), Decimal(0), ())
    frame = lines.fillna({"application": "", "cost_centre": ""})
    rows = frame.groupby(SUMMARY_KEYS, as_index=False, sort=True)["amount"].sum()
    total = sum(rows["amount"], Decimal(0))
    by_sector = tuple(SectorShare(str(s), a, a / total if total else None)
                      for s, a in rows.groupby("sector_id", sort=True)["amount"].sum().items())
    return Summary(rows, total, by_sector)


def pools_by_cluster(pools: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster, one column per pool (compute pools, storage, logging, then any other by
    name), a total column and a total row; a cluster without some pool shows 0 for it."""
    present = set(pools["pool"]) if "pool" in pools else set()
    named = list(dict.fromkeys([p for p in POOL_ORDER if p in present] + sorted(present)))
    amounts: dict[str, dict[str, Decimal]] = {}
    if not pools.empty:
        for cluster_id, pool, amount in zip(pools["cluster_id"], pools["pool"], pools["amount"], strict=True):
            amounts.setdefault(str(cluster_id), {})[str(pool)] = Decimal(amount)
    rows = [{"cluster_id": c, **{p: by_pool.get(p, Decimal(0)) for p in named}}
            for c, by_pool in sorted(amounts.items())]
    rows.append({"cluster_id": "total", **{p: sum((r[p] for r in rows), Decimal(0)) for p in named}})
    frame = pd.DataFrame(rows, columns=["cluster_id", *named])
    frame["total"] = [sum((r[p] for p in named), Decimal(0)) for r in rows]
    return frame


@dataclass(frozen=True)
class PoolsByCluster:
    """Whole pools per cluster; for a sector, of the clusters it has lines on (shared with other sectors:
    its part of them is its lines)."""

    frame: pd.DataFrame  # from pools_by_cluster
    title: str
    missing_note: str | None  # said when the version was stored before statements kept their pools


def pools_report(stored: StoredStatement, sector: str | None = None) -> PoolsByCluster:
    currency = stored.header.currency
    title = f"cost pools by cluster ({currency})"
    if sector:
        title = f"cost pools of the clusters {sector} has lines on, whole ({currency})"
    missing = None
    if stored.pools.empty and not stored.lines.empty:
        missing = (f"no cost pools are stored with version {stored.header.version}: it was stored "
                   "before statements kept their pools (its lines are complete)")
    return PoolsByCluster(pools_by_cluster(stored.pools), title, missing)


def largest_waste(efficiency: pd.DataFrame, top: int = TOP_WASTE) -> pd.DataFrame:
    """The namespaces whose charge pays most for requested but unused CPU and memory, largest first."""
    return efficiency.sort_values("wasted_amount", ascending=False).head(top)


def entitlement(stored: StoredStatement) -> pd.DataFrame:
    """Per sector and resource: purchased, requested and used (monthly averages) and the cost of the
    purchased capacity neither requested nor used."""
    return stored.entitlement.reindex(columns=ENTITLEMENT_COLUMNS)


@dataclass(frozen=True)
class StatementReport:
    """A stored version with everything its readers are shown, for one sector or all."""

    stored: StoredStatement
    sector: str | None
    summary: Summary
    pools: PoolsByCluster
    waste: pd.DataFrame  # largest_waste
    entitlement: pd.DataFrame
    completeness: CompletenessNote
    restatement: RestatementNote | None

    @property
    def header(self) -> StatementHeader:
        return self.stored.header

    def filename(self, fmt: str) -> str:
        """A file name for the report in a format: statement-MONTH[-SECTOR].FORMAT."""
        return f"statement-{self.header.month}{'-' + self.sector if self.sector else ''}.{fmt}"


def statement_report(stored: StoredStatement, sector: str | None = None) -> StatementReport:
    """``stored`` as read for ``sector`` (its lines, efficiency and entitlement; the whole pools of its
    clusters), or for every sector."""
    return StatementReport(stored, sector, summary(stored.lines), pools_report(stored, sector),
                           largest_waste(stored.efficiency, TOP_WASTE), entitlement(stored),
                           completeness_note(stored.header), restatement_note(stored.header, sector))
