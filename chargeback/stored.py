"""A stored statement version as its readers use it: a typed header and the version's frames.

The header row keeps data completeness and the restatement difference as JSON text; they are decoded
here, once, into typed values (``StatementHeader.from_row``) and encoded back for storing
(``StatementHeader.row``), so that no reader parses the stored JSON itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd

# The JSON columns of the header row, decoded into ``completeness`` and ``diff``.
JSON_FIELDS = ("diff", "completeness")


@dataclass(frozen=True)
class ClusterCompleteness:
    """Hours of the month a cluster has: collected by succeeded runs, with node facts, and failed runs."""

    expected_hours: int
    collected_hours: int
    node_hours: int
    failed_runs: int
    ratio: float  # min(collected, node hours) / expected, 4 decimals
    complete: bool

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ClusterCompleteness:
        return cls(**{f.name: values[f.name] for f in fields(cls)})

    def as_dict(self) -> dict[str, Any]:
        """The stored form: keys in sorted order, as the header keeps them."""
        return {name: getattr(self, name) for name in sorted(f.name for f in fields(self))}


@dataclass(frozen=True)
class DiffRow:
    """Old, new and change of an amount between two versions, per sector, cluster, namespace and cost
    type; per sector and cost type only (``cluster_id`` and ``namespace`` None) for the sector summary and
    for differences stored before namespaces were diffed."""

    sector_id: str
    cost_type: str
    old: Decimal
    new: Decimal
    change: Decimal
    cluster_id: str | None = None
    namespace: str | None = None

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> DiffRow:
        """A stored row; rows stored before namespaces were diffed named old and new before and after."""
        return cls(sector_id=row["sector_id"], cost_type=row["cost_type"],
                   old=Decimal(str(row["old"] if "old" in row else row["before"])),
                   new=Decimal(str(row["new"] if "new" in row else row["after"])),
                   change=Decimal(str(row["change"])), cluster_id=row.get("cluster_id"),
                   namespace=row.get("namespace"))

    def as_dict(self) -> dict[str, str]:
        """The stored and printed form: amounts as text to the cent, keys in key-then-amount order."""
        keys = {"sector_id": self.sector_id, "cluster_id": self.cluster_id, "namespace": self.namespace,
                "cost_type": self.cost_type}
        return {**{k: v for k, v in keys.items() if v is not None},
                "old": str(self.old), "new": str(self.new), "change": str(self.change)}


@dataclass(frozen=True)
class StatementHeader:
    """One version's header. Fields in the order of the stored row (and of the JSON statement)."""

    month: str
    version: int
    model: str
    mode: str  # showback or chargeback
    status: str  # draft, closed or superseded
    price_list_version: str  # the versions in force in the month, joined by '+'
    price_list_digest: str
    facts_digest: str
    currency: str
    total_amount: Decimal
    computed_at: datetime
    closed_at: datetime | None = None
    supersedes_version: int | None = None
    reason: str | None = None
    diff: tuple[DiffRow, ...] | None = None  # only for a restatement: what moved against the superseded one
    completeness: Mapping[str, ClusterCompleteness] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StatementHeader:
        """A stored header row: missing values (a frame's NaN or NaT) become None, version numbers
        integers (a column with missing values reads back as floats), the JSON columns typed values."""
        plain = {f.name: _plain(row.get(f.name)) for f in fields(cls)}
        for key in ("version", "supersedes_version"):
            if plain[key] is not None:
                plain[key] = int(plain[key])
        for key in ("computed_at", "closed_at"):
            if isinstance(plain[key], pd.Timestamp):
                plain[key] = plain[key].to_pydatetime()
        plain["total_amount"] = Decimal(str(plain["total_amount"]))
        plain["completeness"] = decode_completeness(json.loads(plain["completeness"] or "{}"))
        if plain["diff"] is not None:
            plain["diff"] = tuple(DiffRow.from_dict(r) for r in json.loads(plain["diff"]))
        return cls(**plain)

    def row(self) -> dict[str, Any]:
        """The row to store: the JSON columns encoded."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["completeness"] = json.dumps({c: v.as_dict() for c, v in self.completeness.items()}, sort_keys=True)
        out["diff"] = None if self.diff is None else json.dumps([r.as_dict() for r in self.diff])
        return out

    def as_dict(self) -> dict[str, Any]:
        """Every field as plain values (the JSON columns decoded into dicts and lists), in stored order."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["completeness"] = {c: v.as_dict() for c, v in self.completeness.items()}
        out["diff"] = None if self.diff is None else [r.as_dict() for r in self.diff]
        return out

    @property
    def showback(self) -> bool:
        return self.mode == "showback"


def decode_completeness(values: Mapping[str, Any]) -> dict[str, ClusterCompleteness]:
    """Completeness per cluster, from its stored (or computed) form, in the clusters' stored order."""
    return {str(cluster_id): v if isinstance(v, ClusterCompleteness) else ClusterCompleteness.from_dict(v)
            for cluster_id, v in values.items()}


def _plain(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str | Decimal) and pd.isna(value)) else value


@dataclass(frozen=True)
class StoredStatement:
    """A stored version: its header and its lines, efficiency, entitlement and cost pools (with the
    stored columns; the details of one sector when read for a sector)."""

    header: StatementHeader
    lines: pd.DataFrame
    efficiency: pd.DataFrame
    entitlement: pd.DataFrame
    stale: bool = False  # closed, but the facts or prices changed since: a restatement is due
    # cost pools per cluster (of the clusters the sector has lines on, when read for a sector); empty for
    # a version stored before pools were stored
    pools: pd.DataFrame = field(default_factory=pd.DataFrame)
