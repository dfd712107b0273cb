"""Commands that only read never change the warehouse schema: on a warehouse that is not at this
version's revision they exit 1 saying what to run, and leave it as it was."""

from __future__ import annotations

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
def test_a_warehouse_without_schema_is_named_not_created(command: list[str], tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    result = _invoke(command, warehouse)
    assert result.exit_code == 1, result.output
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
