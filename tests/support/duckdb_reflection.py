"""Schema reflection for DuckDB under SQLAlchemy 2.1, for the tests that compare schemas.

Comparing a migrated DuckDB database with ``warehouse.schema.metadata`` (Alembic autogenerate,
``sqlalchemy.inspect(...).get_indexes``) needs reflection of columns, keys and indexes, which
duckdb-engine 0.17 cannot do under SQLAlchemy 2.1: it reuses PostgreSQL's catalog queries, and
DuckDB's emulated ``pg_catalog`` lacks what those queries now read (``pg_collation`` and others).
:func:`install` repairs that on duckdb-engine's dialect class.

The product never reflects a DuckDB schema: migrations, ``has_table`` and ``get_table_names`` use
duckdb-engine's own queries. So the repair lives here, beside the tests, and a release of either
library that changes the private names it uses breaks a schema comparison test, not a command.
It is idempotent and does no I/O; ``tests/warehouse/test_migrations.py`` calls it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.reflection import ObjectKind, ObjectScope

_PATCHED = "_ecs_insight_reflection_patched"


def install() -> None:
    """Repair duckdb-engine's reflection for SQLAlchemy 2.1. Idempotent; no I/O.

    Columns still come from the inherited PostgreSQL catalog query, with two corrections:

    - SQLAlchemy 2.1's column query reads ``pg_collation.collnamespace``, a column DuckDB's
      emulated ``pg_collation`` view does not have (binder error). DuckDB has no per-column
      collations to report, so that output column is replaced by NULL;
    - ``_get_columns_info`` now takes a lazy loader of named types where duckdb-engine's
      ``get_multi_columns`` override still passes enum and domain dicts (``TypeError``). The
      override is replaced with the new signature. Rows are fetched before the loader may issue
      its own queries (duckdb-engine shares one cursor per connection), and domains, which DuckDB
      does not have and whose catalog query also reads ``pg_collation``, resolve to none, as
      duckdb-engine did before.

    Float widths are kept: ``float4`` reflects as ``REAL`` and ``float8`` as ``DOUBLE_PRECISION``.

    Primary keys, unique constraints, foreign keys, check constraints and indexes are read from
    DuckDB's own catalog functions (``duckdb_constraints()``, ``duckdb_indexes()``) instead of the
    emulated ``pg_index``/``pg_constraint`` views, which the 2.1 queries cannot run against
    (``REGCLASS`` casts) and which duckdb-engine does not reflect indexes from at all.
    """
    import duckdb_engine
    from sqlalchemy.engine.default import _BackendsMultiReflection

    dialect_cls: Any = duckdb_engine.Dialect
    if getattr(dialect_cls, _PATCHED, False):
        return

    original_columns_query = dialect_cls._columns_query

    def _columns_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        query = original_columns_query(self, *args, **kwargs)
        columns = list(query.selected_columns)
        if not any(col.name == "collation" for col in columns):
            return query
        return query.with_only_columns(
            *(sa.null().label("collation") if col.name == "collation" else col for col in columns),
            maintain_column_froms=False,
        )

    dialect_cls._columns_query = _columns_query

    try:
        from sqlalchemy.dialects.postgresql.base import _NamedTypeLoader
    except ImportError:  # SQLAlchemy < 2.1: duckdb-engine's own get_multi_columns matches it
        _NamedTypeLoader = None

    if _NamedTypeLoader is not None:

        class _DuckDBNamedTypeLoader(_NamedTypeLoader):
            @property
            def domains(self) -> dict:
                return {}

        def get_multi_columns(self: Any, connection: Any, schema: str | None = None,
                              filter_names: Any = None, scope: Any = None, kind: Any = None,
                              **kw: Any) -> Any:
            has_filter_names, params = self._prepare_filter_names(filter_names)
            query = self._columns_query(schema, has_filter_names, scope, kind)
            rows = list(connection.execute(query, params).mappings())
            loader = _DuckDBNamedTypeLoader(self, connection, kw)
            return self._get_columns_info(rows, loader, schema).items()

        dialect_cls.get_multi_columns = get_multi_columns

    # duckdb-engine maps both float4 (DuckDB FLOAT, 32-bit) and float8 (DOUBLE) to a generic
    # FLOAT, so a 32-bit column could not be told from a 64-bit one; reflect them as PostgreSQL
    # does (REAL, DOUBLE PRECISION).
    dialect_cls.ischema_names = {
        **dialect_cls.ischema_names,
        "float4": sa.REAL,
        "float8": sa.DOUBLE_PRECISION,
    }
    dialect_cls.get_multi_pk_constraint = _get_multi_pk_constraint
    dialect_cls.get_multi_unique_constraints = _get_multi_unique_constraints
    dialect_cls.get_multi_foreign_keys = _get_multi_foreign_keys
    dialect_cls.get_multi_check_constraints = _get_multi_check_constraints
    dialect_cls.get_multi_indexes = _get_multi_indexes
    dialect_cls.get_multi_table_options = _get_multi_table_options
    dialect_cls.get_multi_table_comment = _get_multi_table_comment
    # duckdb-engine's single-table get_indexes only warns and returns []; SQLAlchemy's own one
    # delegates to get_multi_indexes.
    dialect_cls.get_indexes = _BackendsMultiReflection.get_indexes
    setattr(dialect_cls, _PATCHED, True)


def _relations(dialect: Any, connection: Any, schema: str | None, filter_names: Any,
               scope: Any, kind: Any) -> list[str]:
    """Names of the tables (and views, when asked for) that a multi-reflection call covers."""
    database, schema_name = dialect.identifier_preparer._separate(schema) if schema else (None, None)
    scope = ObjectScope.ANY if scope is None else scope
    kind = ObjectKind.ANY if kind is None else kind
    params = {
        "db": database,
        "schema": schema_name,
        "want_default": bool(scope & ObjectScope.DEFAULT),
        "want_temp": bool(scope & ObjectScope.TEMPORARY),
    }
    where = (
        "schema_name = coalesce(:schema, current_schema()) AND ("
        "(NOT temporary AND :want_default AND database_name = coalesce(:db, current_database()))"
        " OR (temporary AND :want_temp))"
    )
    queries = []
    if kind & ObjectKind.TABLE:
        queries.append(f"SELECT table_name AS name FROM duckdb_tables() WHERE {where}")
    if kind & ObjectKind.ANY_VIEW:
        queries.append(f"SELECT view_name AS name FROM duckdb_views() WHERE NOT internal AND {where}")
    if not queries:
        return []
    names = [row[0] for row in connection.execute(sa.text(" UNION ALL ".join(queries)), params)]
    if filter_names is not None:
        wanted = set(filter_names)
        names = [n for n in names if n in wanted]
    return names


def _constraints(dialect: Any, connection: Any, schema: str | None, constraint_type: str,
                 tables: Iterable[str]) -> dict[str, list[Any]]:
    """``duckdb_constraints()`` rows of one type, grouped by table name."""
    database, schema_name = dialect.identifier_preparer._separate(schema) if schema else (None, None)
    rows = connection.execute(
        sa.text(
            "SELECT table_name, constraint_name, constraint_column_names, referenced_table, "
            "referenced_column_names, expression FROM duckdb_constraints() "
            "WHERE constraint_type = :ctype AND schema_name = coalesce(:schema, current_schema()) "
            "AND (database_name = coalesce(:db, current_database()) OR database_name = 'temp') "
            "ORDER BY table_name, constraint_index"
        ),
        {"ctype": constraint_type, "schema": schema_name, "db": database},
    ).all()
    wanted = set(tables)
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        if row.table_name in wanted:
            grouped.setdefault(row.table_name, []).append(row)
    return grouped


def _get_multi_pk_constraint(self: Any, connection: Any, schema: str | None = None,
                             filter_names: Any = None, scope: Any = None, kind: Any = None,
                             **kw: Any) -> Iterator[tuple[tuple[str | None, str], dict]]:
    tables = _relations(self, connection, schema, filter_names, scope, kind)
    found = _constraints(self, connection, schema, "PRIMARY KEY", tables)
    for table in tables:
        rows = found.get(table)
        if rows:
            row = rows[0]
            yield (schema, table), {
                "constrained_columns": list(row.constraint_column_names),
                "name": row.constraint_name,
                "comment": None,
            }
        else:
            yield (schema, table), {"constrained_columns": [], "name": None, "comment": None}


def _get_multi_unique_constraints(self: Any, connection: Any, schema: str | None = None,
                                  filter_names: Any = None, scope: Any = None, kind: Any = None,
                                  **kw: Any) -> Iterator[tuple[tuple[str | None, str], list]]:
    tables = _relations(self, connection, schema, filter_names, scope, kind)
    found = _constraints(self, connection, schema, "UNIQUE", tables)
    for table in tables:
        yield (schema, table), [
            {"name": row.constraint_name, "column_names": list(row.constraint_column_names),
             "comment": None}
            for row in found.get(table, ())
        ]


def _get_multi_foreign_keys(self: Any, connection: Any, schema: str | None = None,
                            filter_names: Any = None, scope: Any = None, kind: Any = None,
                            **kw: Any) -> Iterator[tuple[tuple[str | None, str], list]]:
    tables = _relations(self, connection, schema, filter_names, scope, kind)
    found = _constraints(self, connection, schema, "FOREIGN KEY", tables)
    for table in tables:
        yield (schema, table), [
            {
                "name": row.constraint_name,
                "constrained_columns": list(row.constraint_column_names),
                "referred_schema": schema,
                "referred_table": row.referenced_table,
                "referred_columns": list(row.referenced_column_names),
                "options": {},
                "comment": None,
            }
            for row in found.get(table, ())
        ]


def _get_multi_check_constraints(self: Any, connection: Any, schema: str | None = None,
                                 filter_names: Any = None, scope: Any = None, kind: Any = None,
                                 **kw: Any) -> Iterator[tuple[tuple[str | None, str], list]]:
    tables = _relations(self, connection, schema, filter_names, scope, kind)
    found = _constraints(self, connection, schema, "CHECK", tables)
    for table in tables:
        yield (schema, table), [
            {"name": row.constraint_name, "sqltext": row.expression, "comment": None}
            for row in found.get(table, ())
        ]


def _get_multi_indexes(self: Any, connection: Any, schema: str | None = None,
                       filter_names: Any = None, scope: Any = None, kind: Any = None,
                       **kw: Any) -> Iterator[tuple[tuple[str | None, str], list]]:
    tables = _relations(self, connection, schema, filter_names, scope, kind)
    database, schema_name = self.identifier_preparer._separate(schema) if schema else (None, None)
    rows = connection.execute(
        sa.text(
            "SELECT table_name, index_name, is_unique, expressions FROM duckdb_indexes() "
            "WHERE NOT is_primary AND schema_name = coalesce(:schema, current_schema()) "
            "AND (database_name = coalesce(:db, current_database()) OR database_name = 'temp') "
            "ORDER BY table_name, index_name"
        ),
        {"schema": schema_name, "db": database},
    ).all()
    by_table: dict[str, list[dict]] = {}
    for row in rows:
        columns: list[str | None] = []
        expressions: list[str] = []
        for is_column, text in parse_index_expressions(row.expressions):
            columns.append(text if is_column else None)
            expressions.append(text)
        entry: dict[str, Any] = {
            "name": row.index_name,
            "column_names": columns,
            "unique": bool(row.is_unique),
            "dialect_options": {},
        }
        if any(c is None for c in columns):
            entry["expressions"] = expressions
        by_table.setdefault(row.table_name, []).append(entry)
    for table in tables:
        yield (schema, table), by_table.get(table, [])


def _get_multi_table_options(self: Any, connection: Any, schema: str | None = None,
                             filter_names: Any = None, scope: Any = None, kind: Any = None,
                             **kw: Any) -> Iterator[tuple[tuple[str | None, str], dict]]:
    # PostgreSQL's options (inheritance, tablespace, access method) do not exist in DuckDB.
    for table in _relations(self, connection, schema, filter_names, scope, kind):
        yield (schema, table), {}


def _get_multi_table_comment(self: Any, connection: Any, schema: str | None = None,
                             filter_names: Any = None, scope: Any = None, kind: Any = None,
                             **kw: Any) -> Iterator[tuple[tuple[str | None, str], dict]]:
    tables = _relations(self, connection, schema, filter_names, scope, kind)
    database, schema_name = self.identifier_preparer._separate(schema) if schema else (None, None)
    comments = dict(
        connection.execute(
            sa.text(
                "SELECT table_name, comment FROM duckdb_tables() "
                "WHERE schema_name = coalesce(:schema, current_schema()) "
                "AND (database_name = coalesce(:db, current_database()) OR temporary) "
                "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal "
                "AND schema_name = coalesce(:schema, current_schema()) "
                "AND (database_name = coalesce(:db, current_database()) OR temporary)"
            ),
            {"schema": schema_name, "db": database},
        ).all()
    )
    for table in tables:
        yield (schema, table), {"text": comments.get(table)}


_QUOTED_IDENTIFIER = re.compile(r'^"((?:[^"]|"")*)"$')


def parse_index_expressions(text: str | None) -> list[tuple[bool, str]]:
    """Split ``duckdb_indexes().expressions`` into ``(is_plain_column, text)`` items.

    DuckDB renders the list as ``[a, 'sql', ...]``: a bare item is an unquoted column name; a
    single-quoted item is SQL text, either a double-quoted column name (``'"hour"'``) or an
    expression (``'(lower(x))'``).
    """
    if not text:
        return []
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    items: list[str] = []
    current: list[str] = []
    in_single = False
    i = 0
    while i < len(body):
        ch = body[i]
        if in_single:
            if ch == "'" and i + 1 < len(body) and body[i + 1] == "'":
                current.append("''")
                i += 2
                continue
            if ch == "'":
                in_single = False
            current.append(ch)
        elif ch == "'":
            in_single = True
            current.append(ch)
        elif ch == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    if current or items:
        items.append("".join(current).strip())

    parsed: list[tuple[bool, str]] = []
    for item in items:
        if len(item) >= 2 and item[0] == "'" and item[-1] == "'":
            sql = item[1:-1].replace("''", "'")
            match = _QUOTED_IDENTIFIER.match(sql)
            if match:
                parsed.append((True, match.group(1).replace('""', '"')))
            else:
                parsed.append((False, sql))
        else:
            parsed.append((True, item))
    return parsed
