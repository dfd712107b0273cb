"""Warehouse schema migrations (Alembic, configured in code; no ``alembic.ini`` needed).

The revisions live in ``warehouse/migrations/versions``. Both engines are supported: PostgreSQL
through Alembic's own implementation, DuckDB through :mod:`warehouse.alembic_duckdb`.

Alembic is imported by the functions that use it, not at module top: the CLI imports this module
for every command, and most commands (help, config, reports on a current schema) never migrate.

Each :func:`upgrade` or :func:`downgrade` runs in one transaction on the caller's engine, so on
both engines a failing revision leaves the database at the revision it started from.

Typical use at start-up::

    engine = sqlalchemy.create_engine(url)
    migrate.upgrade(engine)            # no-op when already at head
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from common.errors import PermanentError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# No resolve(): a module's __file__ is already absolute, and import time stays free of file-system calls.
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config for the warehouse revisions, bound to ``connection`` when given.

    ``migrations/env.py`` runs the revisions on ``config.attributes["connection"]``.
    """
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolation: a literal % in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (default: the newest). A no-op when already there."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Migrate the database down to ``revision`` (``"base"`` removes every warehouse table)."""
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at; ``None`` for a database never migrated (or at base)."""
    from alembic.runtime.migration import MigrationContext

    from warehouse import alembic_duckdb  # noqa: F401  (registers Alembic's DuckDB impl)

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: sa.Engine) -> None:
    """Raise a PermanentError unless the schema is at this version's head revision.

    Commands that only read use this instead of :func:`upgrade`: they must work with a database
    role that may not change the schema, and never alter a warehouse as a side effect of a report.
    """
    scripts = _scripts()  # read once: the head and, for an older schema, the known revisions
    current, head = current_revision(engine), _head(scripts)
    if current == head:
        return
    if current is None:
        problem = "has no warehouse schema"
    elif current in {script.revision for script in scripts.walk_revisions()}:
        problem = f"is at schema revision {current}, older than this version's {head}"
    else:
        raise PermanentError(f"the warehouse is at schema revision {current}, which this version does not know "
                             f"(its newest is {head}): it was migrated by a newer ECS Insight; upgrade this one")
    raise PermanentError(f"the warehouse {problem}: run `ecs-insight migrate` (or any collection) first")


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision shipped with this version of the code."""
    return _head(_scripts())


def _head(scripts: ScriptDirectory) -> str:
    head = scripts.get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError(f"no migration revisions found under {MIGRATIONS_DIR}")
    return head


def created_on(schema_item: Any, dialect_name: str) -> bool:
    """Whether ``metadata.create_all`` would create ``schema_item`` on ``dialect_name``.

    Honours ``.ddl_if(dialect=...)`` (used in ``warehouse.schema`` for PostgreSQL-only indexes).
    Alembic's autogenerate comparison ignores ``ddl_if``, so without this it would report those
    indexes as missing on DuckDB.
    """
    condition = getattr(schema_item, "_ddl_if", None)
    if condition is None or condition.dialect is None:
        return True
    if isinstance(condition.dialect, str):
        return condition.dialect == dialect_name
    return dialect_name in condition.dialect


def include_object_for(dialect_name: str) -> Callable[..., bool]:
    """An Alembic ``include_object`` hook that skips schema items not meant for ``dialect_name``."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if reflected:
            return True
        return created_on(obj, dialect_name)

    return include_object
