"""Storing and reading versioned chargeback statements.

A statement version is written with its lines, efficiency, entitlement and cost pool rows in one
transaction. Only a draft may be replaced; a closed version is never updated except to mark it
superseded by a restatement, which is a new version.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from common.errors import DataError
from warehouse.engine import connection
from warehouse.load import conform_frame, insert_rows
from warehouse.schema import (
    chargeback_entitlement,
    chargeback_namespace_efficiency,
    chargeback_statement,
    chargeback_statement_line,
    chargeback_statement_pool,
)

DETAIL_TABLES = (chargeback_statement_line, chargeback_namespace_efficiency, chargeback_entitlement,
                 chargeback_statement_pool)


def versions(bind: sa.Engine | sa.Connection, month: str) -> pd.DataFrame:
    """Every version of a month's statement, oldest first."""
    s = chargeback_statement
    with connection(bind) as conn:
        rows = conn.execute(sa.select(s).where(s.c.month == month).order_by(s.c.version)).mappings().all()
    return pd.DataFrame(rows, columns=list(s.c.keys()))


def latest(bind: sa.Engine | sa.Connection, month: str) -> dict[str, Any] | None:
    frame = versions(bind, month)
    return None if frame.empty else frame.iloc[-1].to_dict()


def write_version(engine: sa.Engine, header: dict[str, Any], lines: pd.DataFrame, efficiency: pd.DataFrame,
                  entitlement: pd.DataFrame, pools: pd.DataFrame, *, replace_draft: bool = False,
                  supersede: int | None = None) -> None:
    """Store one version. ``replace_draft`` first deletes that version if it is a draft;
    ``supersede`` marks that closed version superseded in the same transaction."""
    month, version = header["month"], header["version"]
    key = {"month": month, "version": version}
    s = chargeback_statement
    with engine.begin() as conn:
        existing = conn.execute(sa.select(s.c.status).where(s.c.month == month, s.c.version == version)
                                ).scalar_one_or_none()
        if existing is not None:
            if not (replace_draft and existing == "draft"):
                raise DataError(f"statement {month} version {version} is {existing} and cannot be replaced",
                                month=month, version=version)
            for table in (*DETAIL_TABLES, s):
                conn.execute(table.delete().where(table.c.month == month, table.c.version == version))
        if supersede is not None:
            updated = conn.execute(s.update().where(s.c.month == month, s.c.version == supersede,
                                                    s.c.status == "closed").values(status="superseded"))
            if updated.rowcount != 1:
                raise DataError(f"statement {month} version {supersede} is not closed; nothing to supersede",
                                month=month, version=supersede)
        conn.execute(s.insert(), [header])
        for table, frame in zip(DETAIL_TABLES, (lines, efficiency, entitlement, pools), strict=True):
            if not frame.empty:
                insert_rows(conn, table, conform_frame(table, frame.assign(**key)))


def read_detail(bind: sa.Engine | sa.Connection, table: sa.Table, month: str, version: int,
                sector: str | None = None) -> pd.DataFrame:
    query = sa.select(table).where(table.c.month == month, table.c.version == version)
    if sector is not None:
        query = query.where(table.c.sector_id == sector)
    order = [table.c.line_no] if "line_no" in table.c else list(table.primary_key.columns)
    with connection(bind) as conn:
        rows = conn.execute(query.order_by(*order)).mappings().all()
    return pd.DataFrame(rows, columns=list(table.c.keys()))


def read_lines(bind: sa.Engine | sa.Connection, month: str, version: int, sector: str | None = None) -> pd.DataFrame:
    return read_detail(bind, chargeback_statement_line, month, version, sector)


def read_efficiency(bind: sa.Engine | sa.Connection, month: str, version: int,
                    sector: str | None = None) -> pd.DataFrame:
    return read_detail(bind, chargeback_namespace_efficiency, month, version, sector)


def read_entitlement(bind: sa.Engine | sa.Connection, month: str, version: int,
                     sector: str | None = None) -> pd.DataFrame:
    return read_detail(bind, chargeback_entitlement, month, version, sector)


def read_pools(bind: sa.Engine | sa.Connection, month: str, version: int,
               clusters: list[str] | None = None) -> pd.DataFrame:
    """The version's cost pools per cluster (``clusters``: only those); none for a version stored before
    the pools were (migration 0009)."""
    pools = read_detail(bind, chargeback_statement_pool, month, version)
    return pools if clusters is None else pools[pools["cluster_id"].isin(clusters)].reset_index(drop=True)
