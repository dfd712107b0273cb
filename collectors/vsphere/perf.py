"""PerformanceManager.QueryPerf in batches that respect vCenter's entity-metrics cap.

One QuerySpec per entity asks for the aggregate instance ("") of each counter the warehouse keeps;
specs are packed into calls of at most ``max_query_metrics`` entity-metrics (vCenter's
``config.vpxd.stats.maxQueryMetrics``, 256 by default, refuses larger historical queries). An
entity with more counters than the cap is split across specs. The samples come back as one long
frame: entity, warehouse column, rollup type, sample end time (naive UTC), interval and value in
warehouse units.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from collectors.vsphere import perf_wire
from common.windows import Window

KIB = 1024.0


@dataclass(frozen=True)
class Metric:
    """A vCenter counter and the warehouse column it fills, with the factor to warehouse units."""

    counter: str  # group.name.rollup
    column: str
    factor: float = 1.0


# Aggregate instance only. cpu.usage is in hundredths of a percent; memory counters in KiB.
METRICS: dict[str, tuple[Metric, ...]] = {
    "VirtualMachine": (
        Metric("cpu.usagemhz.average", "cpu_usage_mhz"),
        Metric("cpu.demand.average", "cpu_demand_mhz"),
        Metric("cpu.ready.summation", "cpu_ready_ms"),
        Metric("mem.consumed.average", "memory_consumed_bytes", KIB),
        Metric("mem.active.average", "memory_active_bytes", KIB),
        Metric("mem.vmmemctl.average", "memory_ballooned_bytes", KIB),
        Metric("mem.swapped.average", "memory_swapped_bytes", KIB),
    ),
    # A host's ready time is the sum over the virtual CPUs of the VMs it runs; a host has no
    # mem.swapped counter, its mem.swapused is the VM memory swapped out to its swap files.
    "HostSystem": (
        Metric("cpu.usagemhz.average", "cpu_usage_mhz"),
        Metric("cpu.usage.average", "cpu_usage_percent", 0.01),
        Metric("cpu.demand.average", "cpu_demand_mhz"),
        Metric("cpu.ready.summation", "cpu_ready_ms"),
        Metric("mem.consumed.average", "memory_consumed_bytes", KIB),
        Metric("mem.active.average", "memory_active_bytes", KIB),
        Metric("mem.vmmemctl.average", "memory_ballooned_bytes", KIB),
        Metric("mem.swapused.average", "memory_swapped_bytes", KIB),
    ),
    "Datastore": (
        Metric("disk.capacity.latest", "capacity_bytes", KIB),
        Metric("disk.used.latest", "used_bytes", KIB),
    ),
}

# What vCenter keeps when its statistics settings are the defaults: (sampling period, retention).
DEFAULT_INTERVALS: tuple[tuple[int, int], ...] = ((300, 86_400), (1800, 7 * 86_400), (7200, 30 * 86_400),
                                                  (86_400, 365 * 86_400))
# Datastore space counters are computed every 30 minutes; finer intervals have no samples for them.
DATASTORE_MIN_INTERVAL = 1800

SAMPLE_COLUMNS = ("entity", "column", "rollup", "ts", "interval", "value")


def choose_interval(setting: str | int, window: Window, now: datetime,
                    intervals: Sequence[tuple[int, int]] = ()) -> int:
    """The sampling period to ask for: the configured one, or the finest kept long enough for the window."""
    if setting != "auto":
        return int(setting)
    age = (now - window.start).total_seconds()
    kept = sorted(intervals) or list(DEFAULT_INTERVALS)
    for period, length in kept:
        if length >= age:
            return period
    return kept[-1][0]


def entity_interval(kind: str, interval: int) -> int:
    return max(interval, DATASTORE_MIN_INTERVAL) if kind == "Datastore" else interval


@dataclass(frozen=True)
class Request:
    """One entity's counters (all or a share of them) for one QuerySpec."""

    ref: Any
    kind: str
    counter_ids: tuple[int, ...]


def plan_requests(entities: Iterable[tuple[Any, str]], counters: dict[str, Any], cap: int) -> list[Request]:
    """One request per entity with the counters the vCenter knows, split when above ``cap``."""
    requests: list[Request] = []
    for ref, kind in entities:
        ids = tuple(counters[m.counter].key for m in METRICS[kind] if m.counter in counters)
        for i in range(0, len(ids), cap):
            requests.append(Request(ref, kind, ids[i:i + cap]))
    return [r for r in requests if r.counter_ids]


def pack(requests: Sequence[Request], cap: int) -> list[list[Request]]:
    """Requests packed into calls of at most ``cap`` entity-metrics each, in order."""
    calls: list[list[Request]] = []
    current: list[Request] = []
    size = 0
    for request in requests:
        n = len(request.counter_ids)
        if current and size + n > cap:
            calls.append(current)
            current, size = [], 0
        current.append(request)
        size += n
    if current:
        calls.append(current)
    return calls


def perf_spec(request: Request, window: Window, interval: int) -> perf_wire.PerfSpec:
    period = entity_interval(request.kind, interval)
    samples = math.ceil((window.end - window.start).total_seconds() / period) + 1
    return perf_wire.PerfSpec(request.kind, request.ref._moId, request.counter_ids, period, window.start,
                              window.end, samples)


def query(perf_manager: Any, calls: Sequence[Sequence[Request]], window: Window, interval: int,
          counters: dict[str, Any]) -> pd.DataFrame:
    """Run the calls and return every sample in (window.start, window.end] as a long frame."""
    by_key = {c.key: (name, c) for name, c in counters.items()}
    metric_of = {(kind, m.counter): m for kind, metrics in METRICS.items() for m in metrics}
    kinds = {r.ref._moId: r.kind for call in calls for r in call}
    entity_ids: list[str] = []
    lengths: list[int] = []
    columns: list[str] = []
    rollups: list[str] = []
    stamps: list[np.ndarray] = []
    periods: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for call in calls:
        for found in perf_wire.query_perf(perf_manager, [perf_spec(r, window, interval) for r in call]):
            if not len(found.timestamps):
                continue
            for key, raw in found.values.items():
                name, info = by_key.get(key, (None, None))
                metric = metric_of.get((kinds.get(found.entity), name))
                if metric is None or not len(raw):
                    continue
                n = min(len(raw), len(found.timestamps))
                entity_ids.append(found.entity)
                lengths.append(n)
                columns.append(metric.column)
                rollups.append(info.rollupType)
                stamps.append(found.timestamps[:n])
                periods.append(found.intervals[:n])
                values.append(raw[:n] * np.where(raw[:n] < 0, np.nan, metric.factor))
    if not values:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            SAMPLE_COLUMNS, ("object", "object", "object", "datetime64[us]", "int64", "float64"), strict=True)})
    counts = np.asarray(lengths)
    samples = pd.DataFrame({
        "entity": np.repeat(np.asarray(entity_ids, dtype=object), counts),
        "column": np.repeat(np.asarray(columns, dtype=object), counts),
        "rollup": np.repeat(np.asarray(rollups, dtype=object), counts),
        "ts": np.concatenate(stamps), "interval": np.concatenate(periods), "value": np.concatenate(values),
    })
    start, end = np.datetime64(window.start, "us"), np.datetime64(window.end, "us")
    # -1 is vCenter's "no value" (made NaN above); a sample's timestamp is the end of the period it covers.
    keep = samples["value"].notna() & (samples["ts"] > start) & (samples["ts"] <= end)
    return samples.loc[keep].reset_index(drop=True)


def hourly(samples: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Samples rolled up per (entity, hour): averages averaged, summations summed, latest kept last.

    A sample covers (ts - interval, ts]. Periods longer than an hour (7200 s, 86400 s) are spread
    over the hours they cover: an average applies to each hour, a summation is shared evenly.
    Returns one row per (entity, hour) with one column per warehouse column.
    """
    if samples.empty:
        return pd.DataFrame(columns=["entity", "hour"])
    begin = samples["ts"] - pd.to_timedelta(samples["interval"], unit="s")
    span = np.maximum(samples["interval"].to_numpy() // 3600, 1)
    rows = samples.loc[samples.index.repeat(span)].copy()
    offset = np.concatenate([np.arange(k) for k in span]) if len(span) else np.array([], dtype=np.int64)
    rows["hour"] = begin.loc[rows.index].dt.floor("h") + pd.to_timedelta(offset, unit="h")
    share = np.repeat(span, span)
    summed = rows["rollup"].to_numpy() == "summation"
    rows.loc[summed, "value"] = rows.loc[summed, "value"].to_numpy() / share[summed]
    rows = rows[(rows["hour"] >= window.start) & (rows["hour"] < window.end)]
    if rows.empty:
        return pd.DataFrame(columns=["entity", "hour"])
    frames = []
    for rollup, group in rows.groupby("rollup", sort=False):
        keys = ["entity", "hour", "column"]
        if rollup == "summation":
            agg = group.groupby(keys)["value"].sum()
        elif rollup == "latest":
            agg = group.sort_values("ts").groupby(keys)["value"].last()
        elif rollup == "maximum":
            agg = group.groupby(keys)["value"].max()
        elif rollup == "minimum":
            agg = group.groupby(keys)["value"].min()
        else:
            agg = group.groupby(keys)["value"].mean()
        frames.append(agg)
    wide = pd.concat(frames).unstack("column").reset_index()
    wide.columns.name = None
    return wide


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
