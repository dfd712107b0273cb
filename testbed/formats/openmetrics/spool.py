"""The output side: family-by-family spooling of series, and what a write produced.

The file is written family by family (one ``# HELP``/``# TYPE`` each, series contiguous and time
ordered, timestamps in seconds, ``# EOF`` at the end). Series arrive cluster by cluster in any family
order, so each family's series go to their own temporary file, concatenated into the output at the
end: memory never holds more than the series being written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from testbed.formats.openmetrics.families import FAMILIES
from testbed.formats.openmetrics.format import EOF_LINE, family_header, sample_lines, series_prefix
from testbed.formats.openmetrics.timeline import CounterSamples, Timeline


@dataclass
class OpenMetricsStats:
    """What one write produced: counts per family and the time it took."""

    clusters: int = 0
    series: int = 0
    samples: int = 0
    seconds: float = 0.0
    samples_by_family: dict[str, int] = field(default_factory=dict)


class Spool:
    """One temporary file per family; series are appended cluster by cluster, then concatenated."""

    def __init__(self) -> None:
        self._files: dict[str, IO[str]] = {}
        self.stats = OpenMetricsStats()

    def series(self, family: str, labels: Mapping[str, str], t: np.ndarray, v: np.ndarray) -> None:
        """A series' samples; a series without samples is left out."""
        if len(t) == 0:
            return
        prefix = series_prefix(FAMILIES[family].sample_name, labels)
        fh = self._files.get(family)
        if fh is None:
            fh = self._files[family] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        fh.write(sample_lines(prefix, t, v))
        self.stats.series += 1
        self.stats.samples += len(t)
        self.stats.samples_by_family[family] = self.stats.samples_by_family.get(family, 0) + len(t)

    def constant(self, family: str, labels: Mapping[str, str], t: np.ndarray, value: float = 1.0) -> None:
        """An info-style series: ``value`` at every time of ``t``."""
        self.series(family, labels, t, np.full(len(t), value))

    def gauge(self, family: str, labels: Mapping[str, str], tl: Timeline, values: np.ndarray, g: int) -> None:
        """Series ``g`` of per-sample ``values``, without its non-finite samples (facts with no value)."""
        s = tl.span(g)
        v = values[s]
        keep = np.isfinite(v)
        self.series(family, labels, tl.t[s][keep], v[keep])

    def counter(self, family: str, labels: Mapping[str, str], tl: Timeline, counter: CounterSamples,
                g: int) -> None:
        """Series ``g`` of a counter, with its closing sample at the end of its last interval."""
        values, closing = counter
        s = tl.span(g)
        self.series(family, labels, np.append(tl.t[s], tl.closing_time(g)), np.append(values[s], closing[g]))

    def drain(self, out: IO[str]) -> None:
        for name, fam in FAMILIES.items():
            fh = self._files.get(name)
            if fh is None:
                continue
            out.write(family_header(fam))
            fh.seek(0)
            shutil.copyfileobj(fh, out, 1 << 20)
        out.write(EOF_LINE)

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()
