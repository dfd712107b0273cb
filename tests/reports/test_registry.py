"""The renderers' registry: formats by report type, dispatch to a base type's renderer, errors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest

from reports.frame import FrameReport
from reports.render import formats, is_binary, register, registry, render
from reports.restatement import RestatementChanges
from reports.sectors import SectorCosts
from reports.statement import StatementReport


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Registrations made by a test are dropped after it."""
    monkeypatch.setattr(registry, "_RENDERERS", {f: dict(r) for f, r in registry._RENDERERS.items()})
    monkeypatch.setattr(registry, "_BINARY", set(registry._BINARY))
    yield


def test_built_in_formats() -> None:
    assert formats(StatementReport) == ("table", "csv", "json", "xlsx")
    assert formats(RestatementChanges) == ("table", "json")
    assert formats(FrameReport) == formats(SectorCosts) == ("table", "csv", "json")
    assert is_binary("xlsx") and not is_binary("csv") and not is_binary("pdf")


def test_a_subclass_renders_with_its_base_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    report = SectorCosts(frame=pd.DataFrame({"sector_id": ["CTI"]}), title="t", month="2026-09", model="pools")
    render(report, "csv")  # standard output by default
    assert capsys.readouterr().out == "sector_id\nCTI\n"


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no html rendering of RestatementChanges; its formats: table, json"):
        render(RestatementChanges((), (), "USD"), "html", io.StringIO())


@dataclass(frozen=True)
class Greeting:
    name: str


def test_a_new_format_registers_after_the_built_in_ones(scratch_registry: None) -> None:
    @register("shout", Greeting)
    def shout(report: Greeting, output: registry.Output) -> None:
        registry.write_text(f"HELLO {report.name.upper()}\n", output)

    @register("pdf", Greeting, binary=True)
    def pdf(report: Greeting, output: registry.Output) -> None:
        output.write(b"%PDF")

    out = io.StringIO()
    render(Greeting("ada"), "shout", out)
    assert out.getvalue() == "HELLO ADA\n"
    assert formats(Greeting) == ("shout", "pdf") and is_binary("pdf")
    assert formats(StatementReport) == ("table", "csv", "json", "xlsx")  # nothing new for other reports
