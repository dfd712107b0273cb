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

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from chargeback.config import CostModelConfig
from chargeback.rounding import CENT
from chargeback.statement import Statement, compute_statement, current_digests
from chargeback.stored import DiffRow, StatementHeader, StoredStatement, decode_completeness
from common.errors import DataError
from common.names import CostType
from warehouse import statements as store
from warehouse.results import replace_chargeback_lines


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _header(statement: Statement, version: int, status: str, **extra: Any) -> StatementHeader:
    return StatementHeader(
        month=statement.month, version=version, model=statement.model, mode=statement.mode, status=status,
        price_list_version=statement.prices.version, price_list_digest=statement.price_list_digest,
        facts_digest=statement.facts_digest, currency=statement.currency, total_amount=statement.total,
        computed_at=_now(), completeness=decode_completeness(statement.completeness), **extra)


def _latest(engine: sa.Engine, month: str) -> StatementHeader | None:
    row = store.latest(engine, month)
    return None if row is None else StatementHeader.from_row(row)


def _store(engine: sa.Engine, statement: Statement, header: StatementHeader, config: CostModelConfig,
           **options: Any) -> None:
    store.write_version(engine, header.row(), statement.lines,
                        statement.efficiency, statement.entitlement, statement.pools, **options)
    publish_results(engine, statement, config)


def publish_results(engine: sa.Engine, statement: Statement, config: CostModelConfig) -> None:
    """Namespace totals into chargeback_result under ``result_model``, for the cost page. A month
    without lines clears the month's earlier results."""
    lines = statement.lines
    keys = ["cluster_id", "namespace"]
    first = lines.groupby(keys, as_index=False)[["sector_id", "application", "cost_centre"]].first()
    cpu = lines[lines["cost_type"] == CostType.CPU].groupby(keys)["amount"].sum()
    memory = lines[lines["cost_type"] == CostType.MEMORY].groupby(keys)["amount"].sum()
    total = lines.groupby(keys)["amount"].sum()
    quantity = lines[lines["cost_type"] == CostType.CPU].groupby(keys)["quantity"].first()
    mem_quantity = lines[lines["cost_type"] == CostType.MEMORY].groupby(keys)["quantity"].first()
    index = pd.MultiIndex.from_frame(first[keys])
    out = first.assign(
        cpu_effective_core_hours=quantity.reindex(index).fillna(0.0).to_numpy(),
        memory_effective_gib_hours=mem_quantity.reindex(index).fillna(0.0).to_numpy(),
        cpu_cost=[v if isinstance(v, Decimal) else Decimal(0) for v in cpu.reindex(index)],
        memory_cost=[v if isinstance(v, Decimal) else Decimal(0) for v in memory.reindex(index)],
        total_cost=list(total.reindex(index)),
        currency=statement.currency, month=statement.month, model=config.result_model, computed_at=_now())
    replace_chargeback_lines(engine, statement.month, config.result_model, out)


def _stored(engine: sa.Engine, header: StatementHeader, stale: bool = False,
            sector: str | None = None) -> StoredStatement:
    month, version = header.month, header.version
    lines = store.read_lines(engine, month, version, sector)
    clusters = None if sector is None else sorted(set(lines["cluster_id"]))
    return StoredStatement(header, lines, store.read_efficiency(engine, month, version, sector),
                           store.read_entitlement(engine, month, version, sector), stale,
                           store.read_pools(engine, month, version, clusters))


def latest(engine: sa.Engine, month: str, sector: str | None = None) -> StoredStatement | None:
    """The month's latest stored version as it was stored (nothing computed; staleness not checked);
    None when nothing was stored for the month."""
    header = _latest(engine, month)
    return None if header is None else _stored(engine, header, sector=sector)


def _written(engine: sa.Engine, month: str, sector: str | None = None) -> StoredStatement:
    """The version just stored, as read back."""
    stored = latest(engine, month, sector)
    if stored is None:  # pragma: no cover - written in the same call
        raise DataError(f"{month}: the statement just stored cannot be read back", month=month)
    return stored


def _changed(header: StatementHeader, price_list_digest: str, facts_digest: str) -> bool:
    return header.facts_digest != facts_digest or header.price_list_digest != price_list_digest


def _closed_changed(engine: sa.Engine, header: StatementHeader, config: CostModelConfig) -> bool:
    """Whether a closed month's facts or prices changed since: compared by digest, without pricing it."""
    return _changed(header, *current_digests(engine, header.month, config))


def refresh(engine: sa.Engine, month: str, config: CostModelConfig, sector: str | None = None) -> StoredStatement:
    """The month's current statement: a fresh draft, or the closed version (flagged if stale)."""
    current = _latest(engine, month)
    if current is not None and current.status != "draft":
        return _stored(engine, current, stale=_closed_changed(engine, current, config), sector=sector)
    statement = compute_statement(engine, month, config)
    version = 1 if current is None else current.version
    _store(engine, statement, _header(statement, version, "draft"), config, replace_draft=True)
    return _written(engine, month, sector)


def close(engine: sa.Engine, month: str, config: CostModelConfig) -> StoredStatement:
    """Lock the month. Closing a closed month that has not changed is a no-op; one that has changed
    refuses and asks for a restatement; a month nothing was collected for is refused."""
    current = _latest(engine, month)
    if current is not None and current.status != "draft":
        if _closed_changed(engine, current, config):
            raise DataError(f"{month} is closed (version {current.version}) and its facts or prices have "
                            "changed since; run 'ecs-insight chargeback restate' to make a new version",
                            month=month)
        return _stored(engine, current)
    statement = compute_statement(engine, month, config)
    if not any(c["collected_hours"] for c in statement.completeness.values()):
        # Pools are incurred whether or not anything was collected: a closed 0.00 would bill nothing.
        raise DataError(f"nothing was collected for {month} on any cluster, so its statement is empty; collect "
                        "the month before closing it", month=month)
    version = 1 if current is None else current.version
    header = _header(statement, version, "closed", closed_at=_now(), reason="month close")
    _store(engine, statement, header, config, replace_draft=True)
    return _written(engine, month)


NAMESPACE_KEYS = ("sector_id", "cluster_id", "namespace", "cost_type")
SECTOR_KEYS = ("sector_id", "cost_type")


def diff(old: pd.DataFrame, new: pd.DataFrame, keys: tuple[str, ...] = NAMESPACE_KEYS) -> list[DiffRow]:
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
            rows.append(DiffRow(**dict(zip(keys, key, strict=True)), old=a, new=b, change=b - a))
    return rows


@dataclass(frozen=True)
class Restatement:
    """What a restatement changed: per namespace (stored with the version) and per sector."""

    namespaces: tuple[DiffRow, ...]
    sectors: tuple[DiffRow, ...]


def changes(engine: sa.Engine, month: str, version: int) -> Restatement | None:
    """The changes of a restated version against the one it superseded; None for a first version.

    The namespace rows are the diff stored with the version; the sector summary is recomputed
    from the two versions' stored lines, which never change once closed."""
    history = store.versions(engine, month)
    row = history[history["version"] == version]
    header = None if row.empty else StatementHeader.from_row(row.iloc[0].to_dict())
    if header is None or header.supersedes_version is None:
        return None
    old = store.read_lines(engine, month, header.supersedes_version)
    new = store.read_lines(engine, month, version)
    return Restatement(header.diff or (), tuple(diff(old, new, SECTOR_KEYS)))


def restate(engine: sa.Engine, month: str, config: CostModelConfig,
            reason: str = "restatement after late data") -> StoredStatement:
    """A new closed version superseding the closed one, with its diff; refuses when nothing changed."""
    current = _latest(engine, month)
    if current is None or current.status != "closed":
        raise DataError(f"{month} has no closed statement to restate; close it first", month=month)
    statement = compute_statement(engine, month, config)
    if not _changed(current, statement.price_list_digest, statement.facts_digest):
        raise DataError(f"{month} version {current.version} is up to date: its facts and prices have not "
                        "changed, nothing to restate", month=month)
    old = store.read_lines(engine, month, current.version)
    header = _header(statement, current.version + 1, "closed", closed_at=_now(), reason=reason,
                     supersedes_version=current.version, diff=tuple(diff(old, statement.lines)))
    _store(engine, statement, header, config, supersede=current.version)
    return _written(engine, month)
