"""Alembic support for DuckDB: the one piece of it that migrations need at run time.

Alembic looks up a per-dialect ``DefaultImpl`` subclass by dialect name and ships none for DuckDB
(``KeyError: 'duckdb'``). Defining :class:`DuckDBImpl` registers one: Alembic's ``ImplMeta``
records every subclass under its ``__dialect__`` when the class statement runs, so importing this
module is enough for migrations. Importing has no other effect.

Migrations need no schema reflection beyond duckdb-engine's own ``has_table``; the repair that
comparing a DuckDB schema with the models needs is test support
(``tests/support/duckdb_reflection.py``).
"""

from __future__ import annotations

from alembic.ddl.impl import DefaultImpl


class DuckDBImpl(DefaultImpl):
    """Alembic operations on DuckDB: the generic ANSI implementation is enough.

    DuckDB runs DDL inside transactions and rolls it back with them, so a failed migration
    leaves the database at the previous revision (``tests/warehouse/test_migrations.py`` checks
    this).
    """

    __dialect__ = "duckdb"
    transactional_ddl = True
