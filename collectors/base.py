"""What every collector hands to the loading job: typed frames for one slice of one table.

Collectors only yield data; they never open a database session. The job that runs them passes each
batch to the warehouse, which replaces exactly the (source, scope, window) slice the batch covers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from common.errors import InsightError
from common.windows import Window


@dataclass(frozen=True)
class Batch:
    """Rows for one warehouse table covering one source, one scope and one window.

    For a fact table the batch replaces exactly that slice. For a dimension table (sector,
    cluster, node, namespace, workload, vsphere_host, vsphere_vm, datastore) its rows are upserted
    by primary key and rows it does not mention are kept, since facts refer to them.

    ``scope`` is the cluster id (or the vCenter for vSphere facts). The frame's columns are the
    table's column names; every row's time key lies inside ``window``. An empty frame is a valid
    batch: it says "this slice has no rows" and clears what was stored for it.

    ``merge_on`` (fact tables only) names key columns when the batch holds only part of its window's
    rows (an hour a report file cut in two): then its rows replace the stored rows with the same keys
    and the other stored rows of the window stay.
    """

    table: str
    source: str
    scope: str
    window: Window
    frame: pd.DataFrame
    merge_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScopeFailure:
    """One scope (cluster or vCenter) that could not be collected for ``window``; the others go on.

    The job records it as the scope's failed run with ``error`` as its text and loads nothing for
    the scope in this window, so what was stored before stays until a later run refills it. A
    collector yields it instead of the scope's batches (batches of a failed scope are ignored).
    """

    source: str
    scope: str
    window: Window
    error: InsightError


class Collector(Protocol):
    """A source of batches; ``collect`` may raise common.errors types for the whole window, or
    yield a ScopeFailure for one scope and carry on with the others."""

    source: str

    def collect(self, window: Window) -> Iterator[Batch | ScopeFailure]: ...
