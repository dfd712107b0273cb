"""Statement lifecycle: draft, month close, restatement.

- ``refresh``: (re)compute the month's draft; a closed month is left as it is and reported stale
  when its facts or price list changed since the close (compared by digest, not priced again).
- ``close``: lock the month: the draft (computed now) becomes closed with the price-list versions
  that priced it (``2026.1+2026.2`` when the list changed during the month) and a digest over them.
- ``restate``: after late data, compute a new closed version that supersedes the previous one,
  with the difference per (sector, cluster, namespace, cost type) stored beside it. A closed month
  never changes in any other way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from chargeback.config import CostModelConfig
from chargeback.rounding import CENT
from chargeback.statement import Statement, compute_statement, current_digests
from common.errors import DataError
from warehouse import statements as store
from warehouse.results import replace_chargeback_lines


@dataclass
class StoredStatement:
    header: dict[str, Any]  # missing values None, version numbers int
    lines: pd.DataFrame
    efficiency: pd.DataFrame
    entitlement: pd.DataFrame
    stale: bool = False  # closed, but the facts or prices changed since: a restatement is due
    # cost pools per cluster (of the clusters the sector has lines on, when read for a sector); empty for
    # a version stored before pools were stored
    pools: pd.DataFrame = field(default_factory=pd.DataFrame)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _header(statement: Statement, version: int, status: str, **extra: Any) -> dict[str, Any]:
    return {"month": statement.month, "version": version, "model": statement.model, "mode": statement.mode,
            "status": status, "price_list_version": statement.prices.version,
            "price_list_digest": statement.price_list_digest, "facts_digest": statement.facts_digest,
            "currency": statement.currency, "total_amount": statement.total, "computed_at": _now(),
            "closed_at": None, "supersedes_version": None, "reason": None, "diff": None,
            "completeness": json.dumps(statement.completeness, sort_keys=True), **extra}


def _store(engine: sa.Engine, statement: Statement, header: dict[str, Any], config: CostModelConfig,
           **options: Any) -> None:
    store.write_version(engine, header, statement.lines,
                        statement.efficiency, statement.entitlement, statement.pools, **options)
    publish_results(engine, statement, config)


def publish_results(engine: sa.Engine, statement: Statement, config: CostModelConfig) -> None:
    """Namespace totals into chargeback_result under ``result_model``, for the cost page. A month
    without lines clears the month's earlier results."""
    lines = statement.lines
    keys = ["cluster_id", "namespace"]
    first = lines.groupby(keys, as_index=False)[["sector_id", "application", "cost_centre"]].first()
    cpu = lines[lines["cost_type"] == "cpu"].groupby(keys)["amount"].sum()
    memory = lines[lines["cost_type"] == "memory"].groupby(keys)["amount"].sum()
    total = lines.groupby(keys)["amount"].sum()
    quantity = lines[lines["cost_type"] == "cpu"].groupby(keys)["quantity"].first()
    mem_quantity = lines[lines["cost_type"] == "memory"].groupby(keys)["quantity"].first()
    index = pd.MultiIndex.from_frame(first[keys])
    out = first.assign(
        cpu_effective_core_hours=quantity.reindex(index).fillna(0.0).to_numpy(),
        memory_effective_gib_hours=mem_quantity.reindex(index).fillna(0.0).to_numpy(),
        cpu_cost=[v if isinstance(v, Decimal) else Decimal(0) for v in cpu.reindex(index)],
        memory_cost=[v if isinstance(v, Decimal) else Decimal(0) for v in memory.reindex(index)],
        total_cost=list(total.reindex(index)),
        currency=statement.currency, month=statement.month, model=config.result_model, computed_at=_now())
    replace_chargeback_lines(engine, statement.month, config.result_model, out)


def _plain(header: dict[str, Any]) -> dict[str, Any]:
    """A stored header row with missing values as None and version numbers as integers (a column
    with missing values reads back as floats: 'supersedes version 2.0')."""
    plain = {k: None if isinstance(v, float) and pd.isna(v) else v for k, v in header.items()}
    for key in ("version", "supersedes_version"):
        if plain.get(key) is not None:
            plain[key] = int(plain[key])
    return plain


def _stored(engine: sa.Engine, header: dict[str, Any], stale: bool = False,
            sector: str | None = None) -> StoredStatement:
    header = _plain(header)
    month, version = header["month"], header["version"]
    lines = store.read_lines(engine, month, version, sector)
    clusters = None if sector is None else sorted(set(lines["cluster_id"]))
    return StoredStatement(header, lines, store.read_efficiency(engine, month, version, sector),
                           store.read_entitlement(engine, month, version, sector), stale,
                           store.read_pools(engine, month, version, clusters))


def _changed(header: dict[str, Any], price_list_digest: str, facts_digest: str) -> bool:
    return header["facts_digest"] != facts_digest or header["price_list_digest"] != price_list_digest


def _closed_changed(engine: sa.Engine, header: dict[str, Any], config: CostModelConfig) -> bool:
    """Whether a closed month's facts or prices changed since: compared by digest, without pricing it."""
    return _changed(header, *current_digests(engine, header["month"], config))


def refresh(engine: sa.Engine, month: str, config: CostModelConfig, sector: str | None = None) -> StoredStatement:
    """The month's current statement: a fresh draft, or the closed version (flagged if stale)."""
    current = store.latest(engine, month)
    if current is not None and current["status"] != "draft":
        return _stored(engine, current, stale=_closed_changed(engine, current, config), sector=sector)
    statement = compute_statement(engine, month, config)
    version = 1 if current is None else int(current["version"])
    _store(engine, statement, _header(statement, version, "draft"), config, replace_draft=True)
    return _stored(engine, store.latest(engine, month) or {}, sector=sector)


def close(engine: sa.Engine, month: str, config: CostModelConfig) -> StoredStatement:
    """Lock the month. Closing a closed month that has not changed is a no-op; one that has changed
    refuses and asks for a restatement; a month nothing was collected for is refused."""
    current = store.latest(engine, month)
    if current is not None and current["status"] != "draft":
        if _closed_changed(engine, current, config):
            raise DataError(f"{month} is closed (version {current['version']}) and its facts or prices have "
                            "changed since; run 'ecs-insight chargeback restate' to make a new version",
                            month=month)
        return _stored(engine, current)
    statement = compute_statement(engine, month, config)
    if not any(c["collected_hours"] for c in statement.completeness.values()):
        # Pools are incurred whether or not anything was collected: a closed 0.00 would bill nothing.
        raise DataError(f"nothing was collected for {month} on any cluster, so its statement is empty; collect "
                        "the month before closing it", month=month)
    version = 1 if current is None else int(current["version"])
    header = _header(statement, version, "closed", closed_at=_now(), reason="month close")
    _store(engine, statement, header, config, replace_draft=True)
    return _stored(engine, store.latest(engine, month) or {})


NAMESPACE_KEYS = ("sector_id", "cluster_id", "namespace", "cost_type")
SECTOR_KEYS = ("sector_id", "cost_type")


def diff(old: pd.DataFrame, new: pd.DataFrame, keys: tuple[str, ...] = NAMESPACE_KEYS) -> list[dict[str, str]]:
    """Old, new and change of the amounts summed per ``keys`` (by default per sector, cluster,
    namespace and cost type) between two versions' lines; only keys whose amount moved by a cent."""
    def totals(lines: pd.DataFrame) -> dict[tuple[str, ...], Decimal]:
        out: dict[tuple[str, ...], Decimal] = {}
        for key, amount in zip(zip(*(lines[k].tolist() for k in keys), strict=True), lines["amount"].tolist(),
                               strict=True):
            out[key] = out.get(key, Decimal(0)) + Decimal(amount)
        return out
    before, after = totals(old), totals(new)
    rows = []
    for key in sorted(set(before) | set(after)):
        a, b = (v.quantize(CENT) for v in (before.get(key, Decimal(0)), after.get(key, Decimal(0))))
        if a != b:
            rows.append({**dict(zip(keys, key, strict=True)), "old": str(a), "new": str(b), "change": str(b - a)})
    return rows


@dataclass
class Restatement:
    """What a restatement changed: per namespace (stored with the version) and per sector."""

    namespaces: list[dict[str, str]]
    sectors: list[dict[str, str]]


def changes(engine: sa.Engine, month: str, version: int) -> Restatement | None:
    """The changes of a restated version against the one it superseded; None for a first version.

    The namespace rows are the diff stored with the version; the sector summary is recomputed
    from the two versions' stored lines, which never change once closed."""
    history = store.versions(engine, month)
    row = history[history["version"] == version]
    if row.empty or pd.isna(row.iloc[0]["supersedes_version"]):
        return None
    previous = int(row.iloc[0]["supersedes_version"])
    old, new = store.read_lines(engine, month, previous), store.read_lines(engine, month, version)
    stored = json.loads(row.iloc[0]["diff"] or "[]")
    return Restatement([current_keys(r) for r in stored], diff(old, new, SECTOR_KEYS))


def current_keys(row: dict[str, str]) -> dict[str, str]:
    """Diff rows stored before namespaces were diffed carried before/after per sector and cost type."""
    renamed = {"before": "old", "after": "new"}
    return {renamed.get(k, k): v for k, v in row.items()}


def restate(engine: sa.Engine, month: str, config: CostModelConfig,
            reason: str = "restatement after late data") -> StoredStatement:
    """A new closed version superseding the closed one, with its diff; refuses when nothing changed."""
    current = store.latest(engine, month)
    if current is None or current["status"] != "closed":
        raise DataError(f"{month} has no closed statement to restate; close it first", month=month)
    statement = compute_statement(engine, month, config)
    if not _changed(current, statement.price_list_digest, statement.facts_digest):
        raise DataError(f"{month} version {current['version']} is up to date: its facts and prices have not "
                        "changed, nothing to restate", month=month)
    old = store.read_lines(engine, month, int(current["version"]))
    changes = diff(old, statement.lines)
    header = _header(statement, int(current["version"]) + 1, "closed", closed_at=_now(), reason=reason,
                     supersedes_version=int(current["version"]), diff=json.dumps(changes))
    _store(engine, statement, header, config, supersede=int(current["version"]))
    return _stored(engine, store.latest(engine, month) or {})
