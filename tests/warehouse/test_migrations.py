"""Alembic migrations on both real engines: a DuckDB file and the session's PostgreSQL server."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations

from tests.support import duckdb_reflection
from warehouse import (
    alembic_duckdb,  # noqa: F401  (MigrationContext on DuckDB needs Alembic's DuckDB impl)
    migrate,
)
from warehouse.schema import metadata

WAREHOUSE_TABLES = set(metadata.tables)


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    try:
        yield eng
    finally:
        eng.dispose()


def table_names(engine: sa.Engine) -> set[str]:
    duckdb_reflection.install()
    return set(sa.inspect(engine).get_table_names())


def sequence_names(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "duckdb":
            rows = conn.exec_driver_sql("SELECT sequence_name FROM duckdb_sequences()")
        else:
            rows = conn.exec_driver_sql("SELECT sequence_name FROM information_schema.sequences")
        return {row[0] for row in rows}


def _is_duckdb_text_alias(diff: Any, dialect_name: str) -> bool:
    """DuckDB has one string type: TEXT is an alias of VARCHAR and VARCHAR(n) keeps no length,
    so a ``Text`` column reflects as a plain ``String``. Only that exact pair is ignored; any
    other type change on DuckDB is still reported."""
    if dialect_name != "duckdb" or not isinstance(diff, tuple) or diff[0] != "modify_type":
        return False
    reflected, declared = diff[5], diff[6]
    return type(reflected) is sa.String and reflected.length is None and isinstance(declared, sa.Text)


def schema_diff(engine: sa.Engine) -> list[Any]:
    """Differences between the database and ``warehouse.schema.metadata``, as Alembic sees them.

    Compares tables, columns, types, nullability, server defaults, comments, primary keys,
    unique constraints and indexes. Items that ``warehouse.schema`` declares for one engine only
    (``ddl_if``: the PostgreSQL-only indexes) are compared on that engine only.
    """
    duckdb_reflection.install()
    dialect_name = engine.dialect.name
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": migrate.include_object_for(dialect_name),
            },
        )
        diffs = compare_metadata(context, metadata)
    flat: list[Any] = []
    for diff in diffs:
        # Column-level changes come as a list of tuples per column.
        flat.extend(diff if isinstance(diff, list) else [diff])
    return [d for d in flat if not _is_duckdb_text_alias(d, dialect_name)]


# --------------------------------------------------------------------------- revisions


def test_revisions_form_one_numbered_chain_ending_at_the_head() -> None:
    files = sorted(p.stem for p in (migrate.MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert len(files) >= 4
    assert migrate.head_revision() == files[-1][:4]


def test_empty_database_has_no_revision(engine: sa.Engine) -> None:
    assert migrate.current_revision(engine) is None


def test_upgrade_head_from_empty_creates_every_table(engine: sa.Engine) -> None:
    migrate.upgrade(engine)

    assert migrate.current_revision(engine) == migrate.head_revision()
    assert table_names(engine) == WAREHOUSE_TABLES | {"alembic_version"}
    assert "collection_run_id_seq" in sequence_names(engine)


def test_upgrade_is_idempotent(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        migrate.upgrade(engine)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

    ddl = [s for s in statements if s.lstrip().upper().startswith(("CREATE", "ALTER", "DROP", "COMMENT"))]
    assert ddl == []
    assert not any("alembic_version" in s and s.lstrip().upper().startswith(("INSERT", "UPDATE"))
                   for s in statements)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert table_names(engine) == WAREHOUSE_TABLES | {"alembic_version"}


def test_migrated_schema_matches_metadata(engine: sa.Engine) -> None:
    migrate.upgrade(engine)

    assert schema_diff(engine) == []


def test_postgresql_only_indexes_follow_the_engine(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    duckdb_reflection.install()

    indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("pod_usage_hourly")}

    if engine.dialect.name == "postgresql":
        assert indexes == {"ix_pod_usage_hourly_cluster_hour"}
    else:
        assert indexes == set()


def test_collection_run_ids_come_from_the_sequence(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    run = sa.table("collection_run", *(sa.column(c) for c in (
        "run_id", "source", "cluster_id", "window_start", "window_end", "started_at", "status", "rows")))
    values = {
        "source": "synthetic", "cluster_id": "c1", "window_start": sa.func.now(),
        "window_end": sa.func.now(), "started_at": sa.func.now(), "status": "running", "rows": 0,
    }
    with engine.begin() as conn:
        first = conn.execute(sa.insert(run).values(**values).returning(run.c.run_id)).scalar_one()
        second = conn.execute(sa.insert(run).values(**values).returning(run.c.run_id)).scalar_one()

    assert second > first >= 1


def test_float_columns_keep_double_precision(engine: sa.Engine) -> None:
    """Byte-seconds reach 1e14 per row: a 4-byte float (7 significant digits, what DuckDB makes of
    ``sa.Float``) would lose whole MiB, so quantities must be 8-byte doubles on both engines.
    DuckDB's reflection reports FLOAT and DOUBLE alike, so the schema comparison cannot see this."""
    migrate.upgrade(engine)
    node_hourly = sa.table("node_hourly", *(sa.column(c) for c in (
        "hour", "source", "cluster_id", "node", "node_seconds", "cpu_capacity_core_seconds",
        "cpu_allocatable_core_seconds", "memory_capacity_byte_seconds", "memory_allocatable_byte_seconds")))
    row = {
        "hour": sa.func.now(), "source": "synthetic", "cluster_id": "c1", "node": "n1",
        "node_seconds": 3600.0, "cpu_capacity_core_seconds": 12345.678, "cpu_allocatable_core_seconds": 0.0,
        "memory_capacity_byte_seconds": 123456789012345.0, "memory_allocatable_byte_seconds": 0.0,
    }
    with engine.begin() as conn:
        conn.execute(sa.insert(node_hourly).values(**row))
        stored = conn.execute(sa.select(node_hourly.c.cpu_capacity_core_seconds,
                                        node_hourly.c.memory_capacity_byte_seconds)).one()

    assert tuple(stored) == (12345.678, 123456789012345.0)


def test_downgrade_to_base_removes_every_table(engine: sa.Engine) -> None:
    migrate.upgrade(engine)

    migrate.downgrade(engine, "base")

    assert migrate.current_revision(engine) is None
    # Alembic keeps its (now empty) version table; everything of the warehouse is gone.
    assert table_names(engine) == {"alembic_version"}
    assert "collection_run_id_seq" not in sequence_names(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 0


def test_upgrade_after_downgrade_recreates_the_schema(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")

    migrate.upgrade(engine)

    assert migrate.current_revision(engine) == migrate.head_revision()
    assert schema_diff(engine) == []


# --------------------------------------------------------------------------- the comparison catches drift


def test_comparison_reports_a_missing_column(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        Operations(MigrationContext.configure(conn)).drop_column("node_hourly", "role")

    diffs = schema_diff(engine)

    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "node_hourly", "role")]


def test_comparison_reports_a_changed_type_and_nullability(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        ops.alter_column("pvc_hourly", "usage_byte_seconds", type_=sa.Integer(),
                         existing_type=sa.Float(), existing_nullable=True)
        ops.alter_column("sector", "name", nullable=True, existing_type=sa.String(200))

    kinds = {(d[0], d[2], d[3]) for d in schema_diff(engine)}

    assert ("modify_type", "pvc_hourly", "usage_byte_seconds") in kinds
    assert ("modify_nullable", "sector", "name") in kinds


def test_comparison_reports_a_32_bit_float(engine: sa.Engine) -> None:
    """A quantity column that is a 4-byte REAL instead of a DOUBLE is reported on both engines."""
    migrate.upgrade(engine)
    with engine.begin() as conn:
        Operations(MigrationContext.configure(conn)).alter_column(
            "pod_usage_hourly", "cpu_usage_core_seconds", type_=sa.REAL(), existing_type=sa.Double(),
            existing_nullable=False)

    diffs = schema_diff(engine)

    assert [(d[0], d[2], d[3], type(d[5])) for d in diffs] == [
        ("modify_type", "pod_usage_hourly", "cpu_usage_core_seconds", sa.REAL)]


def test_comparison_reports_index_drift(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        if engine.dialect.name == "postgresql":
            ops.drop_index("ix_sli_5m_cluster_bucket", table_name="sli_5m")
            expected = ("add_index", "ix_sli_5m_cluster_bucket")
        else:
            ops.create_index("ix_stray", "sli_5m", ["cluster_id", "bucket_start"])
            expected = ("remove_index", "ix_stray")

    assert [(d[0], d[1].name) for d in schema_diff(engine)] == [expected]


def test_comparison_reports_an_extra_table(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        Operations(MigrationContext.configure(conn)).create_table("stray", sa.Column("a", sa.Integer()))

    assert [(d[0], d[1].name) for d in schema_diff(engine)] == [("remove_table", "stray")]


# --------------------------------------------------------------------------- transactions


def test_a_failing_revision_leaves_the_previous_revision(engine: sa.Engine, tmp_path: Path) -> None:
    migrate.upgrade(engine)
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (scripts / "versions" / "9999_broken.py").write_text(
        'import sqlalchemy as sa\n'
        'from alembic import op\n'
        'revision = "9999"\n'
        f'down_revision = "{head}"\n'
        'branch_labels = None\n'
        'depends_on = None\n'
        'def upgrade():\n'
        '    op.add_column("sector", sa.Column("extra", sa.Integer()))\n'
        '    op.create_table("half_done", sa.Column("a", sa.Integer()))\n'
        '    raise RuntimeError("revision 9999 failed half-way")\n'
        'def downgrade():\n'
        '    pass\n'
    )

    with pytest.raises(RuntimeError, match="failed half-way"), engine.begin() as conn:
        config = migrate.alembic_config(conn)
        config.set_main_option("script_location", str(scripts))
        command.upgrade(config, "head")

    assert migrate.current_revision(engine) == head
    assert "half_done" not in table_names(engine)
    assert schema_diff(engine) == []


def test_duckdb_rolls_back_ddl(duckdb_url: str) -> None:
    """The premise of ``DuckDBImpl.transactional_ddl``."""
    eng = sa.create_engine(duckdb_url)
    try:
        with eng.connect() as conn:
            tx = conn.begin()
            Operations(MigrationContext.configure(conn)).create_table("probe", sa.Column("a", sa.Integer()))
            tx.rollback()
        assert "probe" not in table_names(eng)
    finally:
        eng.dispose()


# --------------------------------------------------------------------------- offline SQL


@pytest.mark.parametrize(
    ("url", "has_indexes"),
    [("duckdb:///offline.duckdb", False), ("postgresql+psycopg://app@localhost/offline", True)],
    ids=["duckdb", "postgres"],
)
def test_offline_sql_renders_for_each_engine(url: str, has_indexes: bool) -> None:
    config = migrate.alembic_config()
    config.set_main_option("sqlalchemy.url", url)
    config.output_buffer = io.StringIO()

    command.upgrade(config, "head", sql=True)

    sql = config.output_buffer.getvalue()
    assert "CREATE SEQUENCE collection_run_id_seq" in sql
    assert sql.count("CREATE TABLE") == len(WAREHOUSE_TABLES) + 1  # + alembic_version
    assert ("CREATE INDEX ix_pod_usage_hourly_cluster_hour" in sql) is has_indexes
