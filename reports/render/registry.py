"""The renderers, keyed by format name and report type.

A renderer is a function ``(report, output) -> None``; ``output`` is a path (the file is written) or an
open stream (text for the text formats, binary for the others). A renderer registered for a report type
also renders its subclasses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from rich.console import Console

Output = Path | IO[str] | IO[bytes]
Renderer = Callable[[Any, Any], None]
R = TypeVar("R", bound=Renderer)

# The order formats are offered in (a CLI's choices); a format registered later comes after these.
_RENDERERS: dict[str, dict[type, Renderer]] = {fmt: {} for fmt in ("table", "csv", "json", "xlsx")}
PIPED_WIDTH = 200  # a table piped or written to a file is this wide instead of squeezed into 80 columns


_BINARY: set[str] = set()


def register(fmt: str, report_type: type, *, binary: bool = False) -> Callable[[R], R]:
    """Decorator: the function renders ``report_type`` reports in format ``fmt``; ``binary``: the format
    is bytes, written to a file or a binary stream (a spreadsheet, a PDF), never to a terminal."""
    def add(renderer: R) -> R:
        _RENDERERS.setdefault(fmt, {})[report_type] = renderer
        if binary:
            _BINARY.add(fmt)
        return renderer
    return add


def is_binary(fmt: str) -> bool:
    return str(fmt) in _BINARY


def _renderer(report_type: type, fmt: str) -> Renderer | None:
    by_type = _RENDERERS.get(fmt, {})
    return next((by_type[t] for t in report_type.__mro__ if t in by_type), None)


def formats(report_type: type) -> tuple[str, ...]:
    """The formats a report type renders in, in the order they were registered."""
    return tuple(fmt for fmt in _RENDERERS if _renderer(report_type, fmt) is not None)


def render(report: object, fmt: str, output: Output | None = None) -> None:
    """Write ``report`` in format ``fmt`` to ``output`` (default: standard output)."""
    renderer = _renderer(type(report), str(fmt))
    if renderer is None:
        known = ", ".join(formats(type(report))) or "none"
        raise ValueError(f"no {fmt} rendering of {type(report).__name__}; its formats: {known}")
    renderer(report, sys.stdout if output is None else output)


@contextmanager
def text_stream(output: Output) -> Iterator[IO[str]]:
    """``output`` as a text stream: a path is opened for writing (UTF-8), a stream is used as it is."""
    if isinstance(output, Path):
        with output.open("w", encoding="utf-8") as stream:
            yield stream
    else:
        yield cast(IO[str], output)


def write_text(text: str, output: Output) -> None:
    with text_stream(output) as stream:
        stream.write(text)


@contextmanager
def console(output: Output) -> Iterator[Console]:
    """A rich console on ``output``: a terminal's width, else ``PIPED_WIDTH`` columns."""
    with text_stream(output) as stream:
        yield Console(file=stream, width=None if stream.isatty() else PIPED_WIDTH)
