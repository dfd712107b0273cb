"""Opening the warehouse for a command: migrated when it writes, checked to be current when it reads."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.config import WarehouseConfig
from warehouse.engine import create_warehouse_engine, unavailable_warehouse
from warehouse.migrate import require_current, upgrade


def open_engine(config: WarehouseConfig, *, migrate: bool = True, read_only: bool = False) -> sa.Engine:
    """An engine on the configured warehouse: migrated to head first when ``migrate`` (commands that
    write), else checked to be at head (commands that only read; they never change the schema)."""
    engine = create_warehouse_engine(config.engine_url(), read_only=read_only)
    try:
        if migrate and not read_only:
            upgrade(engine)
        else:
            require_current(engine)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        if read_only and _held_for_writing_here(exc):
            # This process already writes the DuckDB file (a command run in-process after another):
            # read through the same kind of connection; no other process can hold the file meanwhile.
            return open_engine(config, migrate=False)
        raise unavailable_warehouse(exc, config.display_url()) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def _held_for_writing_here(exc: sa.exc.DBAPIError) -> bool:
    return "same database file with a different configuration" in str(exc.orig)
