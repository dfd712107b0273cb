"""The simulated estate as a collector, the way the demo and the scheduler collect it."""

from __future__ import annotations

from collections.abc import Iterator

from collectors.base import Batch
from common.windows import Window
from estate.estate import SyntheticEstate
from estate.frames import SOURCE


class SyntheticSource:
    """The simulated estate as a source: its inventory (dimensions) once, then hourly facts."""

    source = SOURCE

    def __init__(self, estate: SyntheticEstate) -> None:
        self.estate = estate
        self._inventory_sent = False

    def collect(self, window: Window) -> Iterator[Batch]:
        if not self._inventory_sent:
            # Sectors and clusters come first: namespaces are resolved against them.
            for name, frame in self.estate.dimensions().items():
                yield Batch(name, self.source, "inventory", window, frame)
            self._inventory_sent = True
        yield from self.estate.collect(window)
