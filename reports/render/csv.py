"""Reports as CSV: a statement's lines, a frame's rows."""

from __future__ import annotations

from reports.frame import FrameReport
from reports.render.registry import Output, register, write_text
from reports.statement import StatementReport


@register("csv", StatementReport)
def statement_csv(report: StatementReport, output: Output) -> None:
    """The lines, every stored column: what an invoice system imports."""
    write_text(report.stored.lines.to_csv(index=False), output)


@register("csv", FrameReport)
def frame_csv(report: FrameReport, output: Output) -> None:
    write_text(report.frame.to_csv(index=False), output)
