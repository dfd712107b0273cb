"""``python -m tests.support.slow_cli PAUSE_FROM ARGS...``: the ``ecs-insight`` command line whose
collectors say ``mid <window start>`` on stdout half-way through each window and, from the window
starting at PAUSE_FROM (ISO time) on, pause there; a test signals the process inside that pause, while
a window is half loaded (tests/e2e/test_interrupted_runs.py)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from common.windows import Window
from ecs_insight import cli, collect_cli
from ecs_insight.sources import build_collector, configured_sources

PAUSE_SECONDS = 60.0  # longer than any test waits: the signal always lands inside the pause


class Announcing:
    """A collector that announces the middle of each window (after its second batch) and pauses there."""

    def __init__(self, inner: Any, pause_from: datetime) -> None:
        self.inner, self.pause_from = inner, pause_from
        self.source = inner.source

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def collect(self, window: Window) -> Iterator[Any]:
        for i, batch in enumerate(self.inner.collect(window)):
            yield batch
            if i == 1:
                print(f"mid {window.start.isoformat()}", flush=True)
                if window.start >= self.pause_from:
                    time.sleep(PAUSE_SECONDS)


def main() -> None:
    pause_from = datetime.fromisoformat(sys.argv.pop(1))

    def slow(source: str, settings: Any) -> Announcing:
        return Announcing(build_collector(source, settings), pause_from)

    def slow_all(settings: Any) -> dict[str, Announcing]:
        return {name: Announcing(c, pause_from) for name, c in configured_sources(settings).items()}

    cli.build_collector = slow  # type: ignore[assignment]
    collect_cli.build_collector = slow  # type: ignore[assignment]
    collect_cli.configured_sources = slow_all  # type: ignore[assignment]
    cli.main()


if __name__ == "__main__":
    main()
