"""Engines for the two supported warehouses: a DuckDB file (embedded default) and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from common.errors import InsightError, PermanentError, TransientError

SUPPORTED_DIALECTS = ("duckdb", "postgresql")


def create_warehouse_engine(url: str, *, read_only: bool = False) -> sa.Engine:
    """An engine for ``url``; a DuckDB file's folder is created when missing.

    ``read_only`` opens a DuckDB file without the write lock, so a dashboard can read while
    nothing writes; it is ignored for PostgreSQL, where permissions decide.
    """
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect not in SUPPORTED_DIALECTS:
        raise ValueError(
            f"warehouse URL {parsed.render_as_string(hide_password=True)!r} uses {dialect!r}; "
            f"expected one of {', '.join(SUPPORTED_DIALECTS)}"
        )
    if dialect == "duckdb":
        connect_args: dict[str, object] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            if read_only:
                connect_args["read_only"] = True
        return sa.create_engine(url, connect_args=connect_args)
    return sa.create_engine(url, pool_pre_ping=True)


def unavailable_warehouse(exc: sa.exc.DBAPIError, where: str) -> InsightError:
    """Our error for a warehouse that could not be opened: what stands in the way, in words.

    A DuckDB file takes one writing process (or several reading ones) at a time, so a second
    process meets the first one's lock: that is transient, the command works once the other ends.
    """
    text = str(exc.orig) if exc.orig is not None else str(exc)
    lock = re.search(r"Could not set lock on file \"([^\"]+)\".*?\(PID (\d+)\)", text)
    if lock:
        return TransientError(
            f"the warehouse file {lock.group(1)} is in use by another process (PID {lock.group(2)}): a DuckDB "
            "warehouse is written by one process at a time, and read by several only while none writes; "
            "wait for it or stop it (to serve and collect at once, use a PostgreSQL warehouse)")
    if "in read-only mode: database does not exist" in text:
        return PermanentError(f"the warehouse {where} does not exist: run `ecs-insight migrate` "
                              "(or any collection) first")
    first = text.strip().splitlines()[0] if text.strip() else type(exc.orig).__name__
    if isinstance(exc, sa.exc.OperationalError):
        return TransientError(f"cannot open the warehouse {where}: {first}")
    return PermanentError(f"the warehouse {where} failed: {first}")


@contextmanager
def connection(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """Use a given connection as it is, or open one from an engine for the block."""
    if isinstance(bind, sa.Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def read_frame(conn: sa.Connection, query: sa.Select, columns: list[str]) -> pd.DataFrame:
    """The rows of ``query`` as a frame named ``columns``, text columns as Python strings.

    On DuckDB the result is fetched column-wise by the driver (several times faster than building a
    Row per result row, which dominates for reduced frames of some 10^5 rows); elsewhere through
    SQLAlchemy rows. Text stays in object columns: callers walk them row by row, which is several
    times faster on Python strings than on Arrow-backed ones.
    """
    if conn.dialect.name == "duckdb":
        # Expanding parameters (IN lists) rendered as one positional parameter per value.
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params = [compiled.params[name] for name in compiled.positiontup or []]
        frame = conn.connection.driver_connection.execute(str(compiled), params).df()
        frame.columns = columns
    else:
        frame = pd.DataFrame.from_records(conn.execute(query).all(), columns=columns)
    for column in columns:
        if frame[column].dtype != object and pd.api.types.is_string_dtype(frame[column]):
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)  # NULL as None, as from SQLAlchemy rows
    return frame
