"""What every command module shares: the error console, the --config option, settings loading and
printing data frames as tables, JSON or CSV."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape

from common.errors import InsightError
from common.windows import Window
from ecs_insight.jobs import open_warehouse
from ecs_insight.logs import configure_logging
from ecs_insight.settings import Settings, load_settings
from reports.frame import FrameReport
from reports.render import render

console = Console(stderr=True, soft_wrap=True)  # messages name long paths: never wrap them
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c",
                 help="YAML config file (default: $ECS_INSIGHT_CONFIG, else config/demo.yaml)."),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def load_or_exit(config: Path | None) -> Settings:
    """The settings, with logging configured; a bad config exits 2 with the file, field and reason."""
    try:
        settings = load_settings(config)
    except InsightError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    configure_logging(settings.logging.level, settings.logging.json_format)
    return settings


def warehouse_for_reading(settings: Settings) -> sa.Engine:
    """The warehouse for a command that only reads: opened read-only (a DuckDB file then admits other
    readers, such as a running `serve`) and never migrated; a schema that is not this version's
    exits 1 saying what to run."""
    try:
        return open_warehouse(settings, migrate=False, read_only=True)
    except InsightError as exc:
        raise fail(exc) from None


def window_or_exit(start: datetime, end: datetime) -> Window:
    """The window [start, end); an end not after the start exits 2 naming both."""
    try:
        return Window(start, end)
    except ValueError as exc:
        console.print(f"[red]error:[/red] --start/--end: {exc}", highlight=False)
        raise typer.Exit(2) from None


def fail(exc: Exception | str) -> typer.Exit:
    """Print an error and give the Exit(1) to raise."""
    # Escaped: error text is not markup (an extra such as [bench] would vanish).
    console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
    return typer.Exit(1)


def emit(frame: pd.DataFrame, fmt: OutputFormat, title: str = "") -> None:
    """Print a data frame as a rich table, JSON records or CSV on standard output."""
    render(FrameReport(frame, title), fmt)

