"""Commands that only read never change the warehouse schema: on a warehouse that is not at this
version's revision they exit 1 saying what to run, and leave it as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ecs_insight.cli import app
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import current_revision, head_revision, upgrade

READ_COMMANDS = [
    ["runs"],
    ["completeness", "synthetic", "--start", "2026-10-01", "--end", "2026-10-02"],
    ["chargeback", "summary", "--month", "2026-10"],
    ["vsphere", "hosts", "--start", "2026-10-01", "--end", "2026-10-02"],
    ["vsphere", "nodes", "--start", "2026-10-01", "--end", "2026-10-02"],
    ["vsphere", "clusters"],
]


def _invoke(command: list[str], warehouse: Path):
    return CliRunner().invoke(app, command, env={"ECS_INSIGHT_WAREHOUSE": f"duckdb:///{warehouse}"})


def _tables(warehouse: Path) -> set[str]:
    engine = create_warehouse_engine(f"duckdb:///{warehouse}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_missing_warehouse_is_named_not_created(command: list[str], tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    result = _invoke(command, warehouse)
    assert result.exit_code == 1, result.output
    assert "does not exist: run `ecs-insight migrate`" in " ".join(result.output.split())
    assert not warehouse.exists()


def test_a_warehouse_without_schema_is_named_and_left_empty(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    create_warehouse_engine(f"duckdb:///{warehouse}").connect().close()
    result = _invoke(["runs"], warehouse)
    assert result.exit_code == 1
    assert "has no warehouse schema: run `ecs-insight migrate`" in " ".join(result.output.split())
    assert _tables(warehouse) == set()


def test_an_older_schema_is_left_at_its_revision_and_a_current_one_is_read(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    engine = create_warehouse_engine(f"duckdb:///{warehouse}")
    upgrade(engine, "0003")
    engine.dispose()
    result = _invoke(["runs"], warehouse)
    assert result.exit_code == 1
    assert f"is at schema revision 0003, older than this version's {head_revision()}" in " ".join(result.output.split())
    engine = create_warehouse_engine(f"duckdb:///{warehouse}")
    assert current_revision(engine) == "0003"
    upgrade(engine)
    engine.dispose()
    result = _invoke(["runs", "--format", "json"], warehouse)
    assert result.exit_code == 0 and result.stdout.strip() == "[]"


def test_a_schema_from_a_newer_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    engine = create_warehouse_engine(f"duckdb:///{warehouse}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = _invoke(["vsphere", "clusters"], warehouse)
    assert result.exit_code == 1
    assert "schema revision 9999, which this version does not know" in " ".join(result.output.split())


def _holder(warehouse: Path, *, read_only: bool) -> subprocess.Popen:
    """Another process holding the DuckDB file open, as `ecs-insight serve` or a collection does."""
    code = ("import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
            "print('open', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(warehouse), "ro" if read_only else "rw"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    warehouse = tmp_path / "w.duckdb"
    engine = create_warehouse_engine(f"duckdb:///{warehouse}")
    upgrade(engine)
    engine.dispose()
    return warehouse


def test_reading_commands_share_the_file_with_a_reading_server(migrated: Path) -> None:
    server = _holder(migrated, read_only=True)
    try:
        result = _invoke(["runs", "--format", "json"], migrated)
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "[]"
    finally:
        server.communicate("")


def test_a_file_another_process_writes_is_a_clear_error_naming_it(migrated: Path) -> None:
    writer = _holder(migrated, read_only=False)
    try:
        for command in (["runs"], ["migrate"]):
            result = _invoke(command, migrated)
            text = " ".join(result.output.split())
            assert result.exit_code == 1, result.output
            assert f"the warehouse file {migrated} is in use by another process (PID {writer.pid})" in text
            assert "Traceback" not in result.output
    finally:
        writer.communicate("")


def test_a_scheduled_run_skips_while_another_process_writes(migrated: Path, caplog: pytest.LogCaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from ecs_insight.collect_cli import run_all
    from ecs_insight.settings import load_settings

    monkeypatch.setenv("ECS_INSIGHT_WAREHOUSE", f"duckdb:///{migrated}")
    writer = _holder(migrated, read_only=False)
    try:
        assert run_all(load_settings(None)) is False
    finally:
        writer.communicate("")
    assert any("no collection this run" in r.message and "in use by another process" in r.message
               for r in caplog.records)


def test_a_process_that_writes_the_file_reads_it_through_its_own_kind_of_connection(migrated: Path) -> None:
    """DuckDB refuses a read-only connection beside a writing one in the same process (a command run
    in-process after a collection); reading then goes through a writing connection."""
    writing = create_warehouse_engine(f"duckdb:///{migrated}")
    with writing.connect():
        result = _invoke(["runs", "--format", "json"], migrated)
    writing.dispose()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"
