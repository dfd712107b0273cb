"""Read commands refuse a window whose end is not after its start, before opening the warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecs_insight.cli import app


@pytest.mark.parametrize("command", [["completeness", "synthetic"], ["vsphere", "hosts"], ["vsphere", "nodes"]])
def test_end_before_start_is_a_clear_error(command: list[str], tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, [*command, "--start", "2026-10-02", "--end", "2026-10-01"],
                                env={"ECS_INSIGHT_WAREHOUSE": f"duckdb:///{warehouse}"})
    assert result.exit_code == 2, result.output
    assert "--start/--end" in result.output and "is not after its start" in result.output
    assert not warehouse.exists()
