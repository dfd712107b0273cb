"""Alembic environment for the warehouse revisions.

Normally driven by :mod:`warehouse.migrate`, which passes an open connection in
``config.attributes["connection"]`` and owns the transaction. When run from the ``alembic``
command line (``alembic.ini`` in this directory, for authoring revisions), the database URL comes
from ``-x url=...`` or ``sqlalchemy.url``; ``--sql`` renders the DDL without a database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from warehouse import alembic_duckdb  # noqa: F401  (registers Alembic's DuckDB impl)
from warehouse.migrate import include_object_for
from warehouse.schema import metadata

config = context.config


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass -x url=<sqlalchemy url> or set sqlalchemy.url")
    return url


def _configure(**kwargs: object) -> None:
    dialect_name = kwargs.pop("dialect_name")
    context.configure(
        target_metadata=metadata,
        include_object=include_object_for(str(dialect_name)),
        compare_server_default=True,
        **kwargs,
    )


def run_offline() -> None:
    url = sa.make_url(_url())
    _configure(url=url, dialect_name=url.get_backend_name(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection, dialect_name=connection.dialect.name)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(_url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            _configure(connection=connection, dialect_name=connection.dialect.name)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
