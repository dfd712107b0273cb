"""The writer's entry points: batches in, one OpenMetrics file out, a cluster at a time."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Protocol

import pandas as pd

from common.windows import Window
from testbed.formats.batches import FactBatch
from testbed.formats.openmetrics.cluster import ClusterInput, of_cluster
from testbed.formats.openmetrics.cluster_objects import write_namespaces, write_nodes, write_pvcs, write_slis
from testbed.formats.openmetrics.pods import write_pods
from testbed.formats.openmetrics.spool import OpenMetricsStats, Spool
from testbed.formats.openmetrics.timeline import HOUR_S

OPENMETRICS_TABLES: tuple[str, ...] = (
    "pod_usage_hourly", "container_usage_hourly", "node_hourly", "pvc_hourly", "sli_5m",
)


class EstateLike(Protocol):
    """The part of the simulated estate the writer uses."""

    def dimensions(self) -> Mapping[str, pd.DataFrame]: ...

    def collect(self, window: Window, tables: Sequence[str] | None = None) -> Iterator[FactBatch]: ...


def write_openmetrics(out: IO[str], dimensions: Mapping[str, pd.DataFrame], batches: Iterable[FactBatch], *,
                      step_seconds: int = 60, clusters: Iterable[str] | None = None) -> OpenMetricsStats:
    """Write the OpenMetrics text of ``batches`` (with the series of ``dimensions``) to ``out``.

    ``step_seconds`` must divide an hour. ``clusters`` limits the output to those cluster ids. Each
    cluster's batches must come together (one cluster after another, any tables and windows within
    it): a cluster is expanded as soon as its batches end, so memory holds one cluster's hourly rows
    and at most ``CHUNK_ROWS`` rows' samples. Returns counts and timing; the text ends with ``# EOF``.
    """
    if step_seconds <= 0 or HOUR_S % step_seconds:
        raise ValueError(f"step_seconds must be a positive divisor of 3600, got {step_seconds}")
    started = time.perf_counter()
    wanted = set(clusters) if clusters is not None else None
    chunk_rows = _chunk_rows()
    spool = Spool()
    stats = spool.stats
    relevant = (b for b in batches
                if b.table in OPENMETRICS_TABLES and (wanted is None or b.scope in wanted))
    done: set[str] = set()
    try:
        for cluster, group in itertools.groupby(relevant, key=lambda b: b.scope):
            if cluster in done:
                raise ValueError(f"batches of cluster {cluster!r} are not contiguous: pass each "
                                 "cluster's batches together (as the estate's collect does)")
            _write_cluster(spool, _cluster_input(cluster, list(group), dimensions, step_seconds), chunk_rows)
            stats.clusters += 1
            done.add(cluster)
        spool.drain(out)
    finally:
        spool.close()
    stats.seconds = time.perf_counter() - started
    return stats


def write_estate_openmetrics(out: IO[str], estate: EstateLike, window: Window, *, step_seconds: int = 60,
                             clusters: Iterable[str] | None = None) -> OpenMetricsStats:
    """Write the estate's series for ``window`` (optionally only some clusters) to ``out``."""
    return write_openmetrics(out, estate.dimensions(), estate.collect(window, tables=list(OPENMETRICS_TABLES)),
                             step_seconds=step_seconds, clusters=clusters)


def _chunk_rows() -> int:
    # The package's CHUNK_ROWS is the knob (tests set it there), so it is read when a write starts.
    from testbed.formats import openmetrics

    return openmetrics.CHUNK_ROWS


def _cluster_input(cluster: str, batches: list[FactBatch], dimensions: Mapping[str, pd.DataFrame],
                   step: int) -> ClusterInput:
    """One cluster's batches as whole tables, its dimension rows, and the span its batches cover."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for batch in batches:
        frames.setdefault(batch.table, []).append(batch.frame)
    span = Window(min(b.window.start for b in batches), max(b.window.end for b in batches))
    return ClusterInput(
        cluster=cluster, tables={t: pd.concat(fs, ignore_index=True) for t, fs in frames.items()},
        nodes=of_cluster(dimensions.get("node"), cluster), namespaces=of_cluster(dimensions.get("namespace"), cluster),
        span=span, step=step, pods=of_cluster(dimensions.get("pod"), cluster))


def _write_cluster(spool: Spool, c: ClusterInput, chunk_rows: int) -> None:
    pods = c.frame("pod_usage_hourly")
    containers = c.frame("container_usage_hourly")
    if pods is not None or containers is not None:
        write_pods(spool, c, pods, containers, chunk_rows=chunk_rows)
    write_nodes(spool, c)
    write_namespaces(spool, c)
    write_pvcs(spool, c)
    write_slis(spool, c)
