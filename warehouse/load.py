"""Idempotent loading: a batch replaces exactly its (source, scope, window) slice of a fact table.

The slice's DELETE and the INSERT of the new rows run in one transaction, so a failed load leaves
what was stored before untouched. Rows go in through each engine's bulk path: a registered Arrow
table on DuckDB, COPY on PostgreSQL.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from common.errors import DataError
from common.windows import Window
from warehouse.rollups import PendingRefresh
from warehouse.schema import DIMENSION_TABLES, FACT_TABLES, scope_column, time_column


def fact_table(name: str) -> sa.Table:
    try:
        return FACT_TABLES[name]
    except KeyError:
        raise DataError(f"unknown fact table {name!r}; expected one of {sorted(FACT_TABLES)}") from None


def conform_frame(table: sa.Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly the table's columns, in order; errors name table and column."""
    unknown = [c for c in frame.columns if c not in table.c]
    if unknown:
        raise DataError(f"columns {unknown} are not in table {table.name}", table=table.name)
    missing = [c.name for c in table.c if c.name not in frame.columns and not c.nullable]
    if missing:
        raise DataError(f"required columns {missing} are missing", table=table.name)
    out = frame.reindex(columns=[c.name for c in table.c])
    for col in table.c:
        if not col.nullable and len(out) and out[col.name].isna().any():
            bad = int(out[col.name].isna().sum())
            raise DataError(f"column {col.name} has {bad} empty values; a value is required",
                            table=table.name)
    return out


def _check_slice(table: sa.Table, frame: pd.DataFrame, scope: str, window: Window) -> None:
    if frame.empty:
        return
    scope_col = scope_column(table)
    others = frame.loc[frame[scope_col] != scope, scope_col]
    if len(others):
        raise DataError(f"rows for {scope_col}={others.iloc[0]!r} in a batch scoped to {scope!r}",
                        table=table.name)
    times = pd.to_datetime(frame[time_column(table)])
    outside = times[(times < pd.Timestamp(window.start)) | (times >= pd.Timestamp(window.end))]
    if len(outside):
        raise DataError(
            f"{len(outside)} rows have {time_column(table)} outside the batch window "
            f"[{window.start}, {window.end}), first {outside.iloc[0]}",
            table=table.name,
        )


@dataclass(frozen=True)
class Slice:
    """Validated rows that replace one (table, source, scope, window) slice."""

    table: sa.Table
    source: str
    scope: str
    window: Window
    frame: pd.DataFrame
    merge_on: tuple[str, ...] = ()


def prepare_slice(table_name: str, source: str, scope: str, window: Window, frame: pd.DataFrame,
                  merge_on: tuple[str, ...] = ()) -> Slice:
    """Check a batch against its table and slice; DataError names the table and the problem."""
    table = fact_table(table_name)
    frame = conform_frame(table, frame)
    _check_slice(table, frame, scope, window)
    if len(frame) and (frame["source"] != source).any():
        raise DataError(f"rows with a source other than {source!r}", table=table.name)
    unknown = [c for c in merge_on if c not in table.c]
    if unknown:
        raise DataError(f"merge keys {unknown} are not columns of {table.name}", table=table.name)
    return Slice(table, source, scope, window, frame, tuple(merge_on))


MERGE_CHUNK = 1000  # key tuples per DELETE of a merged slice


def _slice_filters(piece: Slice) -> Iterator[list[Any]]:
    """WHERE clauses of what ``piece`` replaces: its whole window, or for a merged slice only the
    stored rows whose keys the piece holds (in chunks of MERGE_CHUNK keys)."""
    table = piece.table
    time_col = table.c[time_column(table)]
    where = [table.c.source == piece.source, table.c[scope_column(table)] == piece.scope,
             time_col >= piece.window.start, time_col < piece.window.end]
    if not piece.merge_on:
        yield where
        return
    keys = list(piece.frame[list(piece.merge_on)].drop_duplicates().itertuples(index=False, name=None))
    columns = sa.tuple_(*(table.c[c] for c in piece.merge_on))
    for start in range(0, len(keys), MERGE_CHUNK):
        yield [*where, columns.in_(keys[start:start + MERGE_CHUNK])]


def _delete_slice(conn: sa.Connection, piece: Slice) -> None:
    for where in _slice_filters(piece):
        conn.execute(piece.table.delete().where(*where))


def replaced_rows_per_day(conn: sa.Connection, piece: Slice) -> dict[datetime, tuple[int, int]]:
    """Per UTC day of ``piece``'s window: (rows stored in the window, rows loading it would delete)."""
    table = piece.table
    time_col = table.c[time_column(table)]
    day = sa.func.date_trunc("day", time_col).label("day")
    whole = [table.c.source == piece.source, table.c[scope_column(table)] == piece.scope,
             time_col >= piece.window.start, time_col < piece.window.end]
    out: dict[datetime, list[int]] = {}
    for d, n in conn.execute(sa.select(day, sa.func.count()).where(*whole).group_by(day)):
        out.setdefault(_naive(d), [0, 0])[0] += n
    for where in _slice_filters(piece):
        for d, n in conn.execute(sa.select(day, sa.func.count()).where(*where).group_by(day)):
            out.setdefault(_naive(d), [0, 0])[1] += n
    return {d: (stored, replaced) for d, (stored, replaced) in out.items()}


def _naive(value: Any) -> datetime:
    ts = pd.Timestamp(value)
    return (ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts).to_pydatetime()


def _node_usage_from_pods(conn: sa.Connection, piece: Slice) -> None:
    """A merged node_hourly slice holds a node's usage over only part of its pods; the node's usage is
    the sum of its stored pod facts, so it is summed again once the pods are merged."""
    node, pods = FACT_TABLES["node_hourly"], FACT_TABLES["pod_usage_hourly"]
    match = (pods.c.source == node.c.source, pods.c.cluster_id == node.c.cluster_id,
             pods.c.hour == node.c.hour, pods.c.node == node.c.node)
    conn.execute(node.update().where(
        node.c.source == piece.source, node.c.cluster_id == piece.scope,
        node.c.hour >= piece.window.start, node.c.hour < piece.window.end,
    ).values(
        cpu_usage_core_seconds=sa.func.coalesce(
            sa.select(sa.func.sum(pods.c.cpu_usage_core_seconds)).where(*match).scalar_subquery(), 0.0),
        memory_usage_byte_seconds=sa.func.coalesce(
            sa.select(sa.func.sum(pods.c.memory_usage_byte_seconds)).where(*match).scalar_subquery(), 0.0),
    ))


def replace_slices(engine: sa.Engine, slices: Iterable[Slice]) -> int:
    """Replace several slices in one transaction (fewer commits: DuckDB pays per commit).

    Each slice's rows replace exactly its own (source, scope, window), a merged slice only the
    stored rows with its keys; all or none are stored. A merged node_hourly slice takes its usage
    from the pod facts (see ``_node_usage_from_pods``). Rollups of the touched days are refreshed in
    the same transaction.
    """
    inserted = 0
    pending = PendingRefresh()
    with engine.begin() as conn:
        for piece in slices:
            _delete_slice(conn, piece)
            if len(piece.frame):
                bulk_insert(conn, piece.table, piece.frame)
            if piece.merge_on and piece.table.name == "node_hourly":
                _node_usage_from_pods(conn, piece)
            inserted += len(piece.frame)
            pending.add(piece.table.name, piece.source, piece.scope, piece.window)
        pending.run(conn)
    return inserted


def replace_slice(
    engine: sa.Engine, table_name: str, source: str, scope: str, window: Window, frame: pd.DataFrame
) -> int:
    """Replace the stored rows of (source, scope, window) in ``table_name`` by ``frame``.

    Returns the number of rows inserted. An empty frame clears the slice.
    """
    return replace_slices(engine, [prepare_slice(table_name, source, scope, window, frame)])


def bulk_insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Append ``frame`` (already conformed to ``table``) through the engine's fastest path."""
    dialect = conn.dialect.name
    if dialect == "duckdb":
        _duckdb_insert(conn, table, frame)
    elif dialect == "postgresql":
        _postgres_copy(conn, table, frame)
    else:
        insert_rows(conn, table, frame)


def insert_rows(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Plain executemany INSERT: portable, and the baseline the load benchmark compares with."""
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    conn.execute(table.insert(), records)


def _duckdb_insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    raw = conn.connection.driver_connection
    view = f"__load_{table.name}"
    raw.register(view, pa.Table.from_pandas(frame, preserve_index=False))
    try:
        cols = ", ".join(f'"{c.name}"' for c in table.c)
        raw.execute(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM {view}')
    finally:
        raw.unregister(view)


def _postgres_copy(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    buf = io.BytesIO()
    pacsv.write_csv(
        pa.Table.from_pandas(frame, preserve_index=False),
        buf,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    cols = ", ".join(f'"{c.name}"' for c in table.c)
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({cols}) FROM STDIN WITH (FORMAT csv)') as copy:
        copy.write(buf.getbuffer())


def upsert_dimension(engine: sa.Engine | sa.Connection, table_name: str, frame: pd.DataFrame) -> int:
    """Insert or update dimension rows by primary key; rows not in the frame are kept (history)."""
    try:
        table = DIMENSION_TABLES[table_name]
    except KeyError:
        raise DataError(f"unknown dimension table {table_name!r}; expected one of "
                        f"{sorted(DIMENSION_TABLES)}") from None
    # Only the columns the source provides are updated: a source that does not know a column (the
    # Prometheus collector and a node's vSphere host) must not clear what another source stored.
    provided = set(frame.columns)
    frame = conform_frame(table, frame)
    if frame.empty:
        return 0
    keys = [c.name for c in table.primary_key.columns]
    dupes = frame.duplicated(subset=keys)
    if dupes.any():
        first = frame.loc[dupes, keys].iloc[0].to_dict()
        raise DataError(f"duplicate key {first} in the rows for {table.name}", table=table.name)
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    if isinstance(engine, sa.Connection):
        _upsert(engine, table, keys, records, provided)
    else:
        with engine.begin() as conn:
            _upsert(conn, table, keys, records, provided)
    return len(records)


def _upsert(conn: sa.Connection, table: sa.Table, keys: list[str], records: list[dict[str, Any]],
            provided: set[str] | None = None, chunk: int = 2000) -> None:
    # ON CONFLICT ... DO UPDATE is understood by both PostgreSQL and DuckDB.
    for start in range(0, len(records), chunk):
        stmt = pg_insert(table).values(records[start:start + chunk])
        updates = {c.name: _merged(c, stmt.excluded[c.name]) for c in table.c
                   if c.name not in keys and (provided is None or c.name in provided)}
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates) if updates
                     else stmt.on_conflict_do_nothing(index_elements=keys))


def _merged(column: sa.Column, new: Any) -> Any:
    """The value an upsert stores: the new one, or for a column declared ``info={"merge": "min"|"max"}``
    (first/last seen) the lesser/greater of stored and new; LEAST/GREATEST skip NULLs on both engines."""
    how = column.info.get("merge")
    if how == "min":
        return sa.func.least(column, new)
    if how == "max":
        return sa.func.greatest(column, new)
    return new


def load_dimensions(engine: sa.Engine, frames: Mapping[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]]
                    ) -> dict[str, int]:
    """Upsert several dimension frames in one transaction."""
    items = frames.items() if isinstance(frames, Mapping) else frames
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for name, frame in items:
            counts[name] = upsert_dimension(conn, name, frame)
    return counts
