"""Every notebook runs top to bottom against a warehouse built from the tiny simulated estate."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from ecs_insight.settings import PROJECT_ROOT, load_settings
from tests.support.estate_warehouse import build_priced_warehouse

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("notebooks")
    config = folder / "tiny.yaml"
    config.write_text(f"warehouse:\n  url: duckdb:///{folder / 'wh.duckdb'}\n"
                      "sources:\n  synthetic:\n    profile: tiny\n")
    build_priced_warehouse(load_settings(config, environ={})).dispose()
    return config


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tiny_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECS_INSIGHT_CONFIG", str(tiny_config))
    monkeypatch.delenv("ECS_INSIGHT_WAREHOUSE", raising=False)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(PROJECT_ROOT)}}).execute(env=dict(os.environ))
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "namespaces" in printed
