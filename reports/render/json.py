"""Reports as JSON: amounts as text (exact to the cent), times in ISO 8601."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd

from reports.frame import FrameReport
from reports.render.registry import Output, register, write_text
from reports.restatement import RestatementChanges
from reports.statement import StatementReport


def json_default(value: object) -> object:
    """A value JSON has no type for: a Decimal as its text, a time in ISO 8601, anything else as text."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The frame's rows as dicts, missing values None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@register("json", StatementReport)
def statement_json(report: StatementReport, output: Output) -> None:
    """The header (with ``stale``), the sector asked for, and every stored frame."""
    stored = report.stored
    payload = {"statement": stored.header.as_dict() | {"stale": stored.stale}, "sector": report.sector,
               "lines": records(stored.lines), "efficiency": records(stored.efficiency),
               "entitlement": records(stored.entitlement), "pools": records(stored.pools)}
    write_text(json.dumps(payload, default=json_default, indent=2) + "\n", output)


@register("json", RestatementChanges)
def changes_json(changes: RestatementChanges, output: Output) -> None:
    payload = {"namespaces": [r.as_dict() for r in changes.namespaces],
               "sectors": [r.as_dict() for r in changes.sectors]}
    write_text(json.dumps(payload, indent=2) + "\n", output)


@register("json", FrameReport)
def frame_json(report: FrameReport, output: Output) -> None:
    """Records, times in ISO 8601, Decimals as text."""
    write_text(report.frame.to_json(orient="records", date_format="iso", default_handler=str) + "\n", output)
