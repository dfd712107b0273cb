"""SIGINT and SIGTERM as an exception the load stage can account for.

A command that writes installs :func:`raise_on_signals`: the first SIGINT or SIGTERM raises
:class:`Interrupted` in the main thread, where the loader marks its open collection runs
``interrupted`` before the command exits 130 (SIGINT) or 143 (SIGTERM). ``Interrupted`` derives from
BaseException and not KeyboardInterrupt, so neither ``except Exception`` nor Click's own Ctrl+C
handling (which would print "Aborted!" and exit 1) swallows it. Further signals while the runs are
being marked are ignored, so the bookkeeping completes; a SIGKILL leaves the runs ``running`` and the
next writing command marks them ``abandoned``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The process was asked to stop by ``signum``; ``runs`` lists the runs that were interrupted."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.runs: list[str] = []
        super().__init__(f"interrupted by {self.signal_name}")

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # the shell's convention: 130 for SIGINT, 143 for SIGTERM


_pending: list[int] = []  # the signal received, kept so a swallowed exception is raised again


def reason(exc: BaseException) -> str:
    """The error recorded on a run that ``exc`` stopped."""
    if isinstance(exc, Interrupted):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by SIGINT"
    return f"interrupted by {type(exc).__name__}"


def check() -> None:
    """Raise :class:`Interrupted` again when a signal arrived and its exception was swallowed on the
    way (a library that catches BaseException, a driver that turns it into its own error)."""
    if _pending:
        raise Interrupted(_pending[0])


def _handler(signum: int, frame: FrameType | None) -> None:
    if _pending:
        return  # already stopping: let the open runs be marked
    _pending.append(signum)
    raise Interrupted(signum)


@contextmanager
def raise_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted` (main thread only; elsewhere a
    no-op, since Python delivers signals to the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _handler) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _pending.clear()
