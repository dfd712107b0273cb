"""A real Prometheus over one hand-written hour of OpenMetrics (promtool backfill)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from testbed.prometheus import PrometheusServer, create_blocks, start_prometheus, unix

Family = Callable[[str, str, list[tuple[str, list[float]]]], None]


def hour_of_samples(start: datetime, lines: list[str]) -> Family:
    """A writer of metric families into ``lines``: 60 s samples from ``start`` (61 with the closing one)."""
    t0 = int(unix(start))
    ts = [t0 + 60 * k for k in range(61)]

    def family(name: str, kind: str, series: list[tuple[str, list[float]]]) -> None:
        lines.append(f"# TYPE {name} {kind}")
        sample = f"{name}_total" if kind == "counter" else name
        for labels, values in series:
            lines.extend(f"{sample}{{{labels}}} {v} {t}" for t, v in zip(ts, values, strict=False))

    return family


@contextmanager
def backfilled(root: Path, name: str, text: str) -> Iterator[PrometheusServer]:
    """A Prometheus serving ``text`` (OpenMetrics ending in ``# EOF``), stopped on exit."""
    (root / f"{name}.om").write_text(text)
    create_blocks(root / f"{name}.om", root / "data")
    server = start_prometheus(root / "data", root)
    try:
        yield server
    finally:
        server.stop()
