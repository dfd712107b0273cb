"""The one validation step every fact batch passes before it is loaded: no impossible value is stored.

Each numeric column of a fact table holds a measured quantity, so a value must be finite,
non-negative, an integer that fits its column where the column is an integer, and not above a
plausible bound for its unit (a pod cannot run more than 3600 seconds in an hour; no row holds
more than :data:`MAX_CORES` cores or :data:`MAX_BYTES` bytes). Across the batches of one flush, a
pod's CPU and memory usage in an hour may not exceed its node's capacity in that hour when the
node's rows are there too.

A row that breaks a rule is dropped and the rest of the batch loads: one lying series must not
cost the whole window. Each dropped row yields a :class:`Rejection` naming table, column, value,
the rule and the row's labels; the loader records them on the scope's run, which then fails so
that ``runs``, completeness and incremental collection see the window as not fully collected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warehouse.schema import FACT_TABLES, time_column

MAX_CORES = 65_536  # cores one row (a pod, a node, a host) may plausibly hold
MAX_BYTES = 2.0**56  # 64 PiB: bytes one row (memory, a volume, a datastore) may plausibly hold
MAX_MHZ = MAX_CORES * 10_000.0
HOUR = 3600.0
FLOAT_CEILING = 2.0**63  # a Double column without a unit rule: anything larger is no measurement
# BigInteger first: it is a subclass of Integer
INT_MAX = ((sa.BigInteger, 2.0**63 - 1), (sa.Integer, 2.0**31 - 1))
CAPACITY_SLACK = 1.05  # rates from increase() extrapolate slightly past the true value
LABELS = ("cluster_id", "vcenter", "namespace", "pod", "container", "node", "pvc", "host", "vm_uuid",
          "datastore", "service", "sli")
SHOWN = 8  # rejections spelled out in a run's error text

# Columns of an hourly table bounded by the hour itself: seconds of presence, a percentage.
PER_HOUR = {"pod_seconds": (HOUR, "above 3600 seconds in an hour"),
            "node_seconds": (HOUR, "above 3600 seconds in an hour"),
            "cpu_usage_percent": (100.0, "above 100 percent")}


@dataclass(frozen=True)
class Rejection:
    """One refused row: which value, why, and the labels that find its series."""

    table: str
    column: str
    value: float
    rule: str
    labels: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.labels)
        return f"{self.table}.{self.column}={self.value!r} ({self.rule}) at {where}"


@dataclass(frozen=True)
class Checked:
    """A batch's rows that passed, and one rejection per row that did not (its first failed rule)."""

    frame: pd.DataFrame
    rejections: list[Rejection]


def upper_bound(table: sa.Table, column: sa.Column) -> tuple[float, str]:
    """The largest plausible value of a column and the rule's wording."""
    name = column.name
    if name in PER_HOUR and time_column(table) == "hour":
        return PER_HOUR[name]
    for kind, limit in INT_MAX:
        if isinstance(column.type, kind):
            return limit, f"does not fit {kind.__name__}"
    if name.endswith("_byte_seconds"):
        return HOUR * MAX_BYTES, "above 64 PiB for an hour"
    if name.endswith("_seconds"):
        return HOUR * MAX_CORES, f"above {MAX_CORES} cores for an hour"
    if name.endswith("_bytes"):
        return MAX_BYTES, "above 64 PiB"
    if name.endswith("_mhz"):
        return MAX_MHZ, f"above {MAX_CORES} cores of 10 GHz"
    if name.endswith("_cores"):
        return float(MAX_CORES), f"above {MAX_CORES} cores"
    if name.endswith("_periods"):
        return HOUR * 1000, "above one CFS period per millisecond"
    if name.endswith("_ms"):
        return HOUR * 1000 * MAX_CORES, f"above {MAX_CORES} cores for an hour"
    return FLOAT_CEILING, "above 2^63"


def numeric_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.c if isinstance(c.type, sa.Integer | sa.Float | sa.Numeric)]


def _labels(frame: pd.DataFrame, table: sa.Table, position: int) -> tuple[tuple[str, str], ...]:
    row = frame.iloc[position]  # by position: a collector's frame may repeat index labels
    keys = [k for k in LABELS if k in frame.columns] + [time_column(table)]
    return tuple((k, str(row[k])) for k in keys if k in row.index)


def check_batch(table_name: str, frame: pd.DataFrame) -> Checked:
    """Split a fact batch into the rows that pass every value rule and a rejection per failed row.

    Columns the table does not have are left to the loader's own checks (they name the table)."""
    table = FACT_TABLES.get(table_name)
    if table is None or frame.empty:
        return Checked(frame, [])
    bad = np.zeros(len(frame), dtype=bool)
    found: list[tuple[int, str, float, str]] = []  # (position, column, value, rule)
    for column in numeric_columns(table):
        if column.name not in frame.columns:
            continue
        values = pd.to_numeric(frame[column.name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(values)
        limit, too_big = upper_bound(table, column)
        rules = [(np.isinf(values), "not finite"), (values < 0, "negative"), (values > limit, too_big)]
        if not column.nullable:
            rules.append((missing, "empty or not a number; a value is required"))
        elif frame[column.name].dtype == object:
            # NaN in a nullable column is NULL (unknown); a string that is no number is not
            rules.append((missing & frame[column.name].notna().to_numpy(), "not a number"))
        if isinstance(column.type, sa.Integer):
            with np.errstate(invalid="ignore"):
                rules.append((np.isfinite(values) & (values != np.floor(values)), "not an integer"))
        for mask, rule in rules:
            fresh = mask & ~bad
            if fresh.any():
                found.extend((int(i), column.name, float(values[i]), rule) for i in np.flatnonzero(fresh))
                bad |= fresh
    if not bad.any():
        return Checked(frame, [])
    rejections = [Rejection(table.name, col, value, rule, _labels(frame, table, pos))
                  for pos, col, value, rule in sorted(found)]
    return Checked(frame.loc[~bad], rejections)


def check_capacity(pods: pd.DataFrame, nodes: pd.DataFrame) -> Checked:
    """Pod-hours whose CPU or memory usage exceeds their node's capacity in that hour.

    Only pods whose (cluster, node, hour) has a node row are judged; the others pass."""
    if pods.empty or nodes.empty or "node" not in pods.columns:
        return Checked(pods, [])
    key = ["cluster_id", "node", "hour"]
    cap = nodes[[*key, "cpu_capacity_core_seconds", "memory_capacity_byte_seconds"]].drop_duplicates(key)
    cap = cap.rename(columns={"cpu_capacity_core_seconds": "_cpu", "memory_capacity_byte_seconds": "_mem"})
    joined = pods[key].merge(cap, on=key, how="left")
    bad = np.zeros(len(pods), dtype=bool)
    rejections: list[Rejection] = []
    table = FACT_TABLES["pod_usage_hourly"]
    for column, capacity in (("cpu_usage_core_seconds", "_cpu"), ("memory_usage_byte_seconds", "_mem")):
        usage = pods[column].to_numpy(dtype="float64", na_value=np.nan)
        limit = joined[capacity].to_numpy(dtype="float64", na_value=np.nan) * CAPACITY_SLACK
        with np.errstate(invalid="ignore"):
            over = (usage > limit) & ~bad
        for pos in np.flatnonzero(over):
            rejections.append(Rejection(table.name, column, float(usage[pos]),
                                        f"above its node's capacity {limit[pos] / CAPACITY_SLACK:g}",
                                        _labels(pods, table, int(pos))))
        bad |= over
    return Checked(pods.loc[~bad], rejections)


def summary(rejections: Iterable[Rejection]) -> str:
    """A run's error text: how many rows were refused, a few spelled out (each kind of fault first)."""
    items = list(rejections)
    # one example of each (table, column, rule) first, so one noisy series cannot hide another
    seen: set[tuple[str, str, str]] = set()
    first = [r for r in items if (k := (r.table, r.column, r.rule)) not in seen and not seen.add(k)]
    rest = [r for r in items if not any(r is f for f in first)]
    shown = "; ".join(str(r) for r in (first + rest)[:SHOWN])
    more = f"; and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return f"rejected {len(items)} rows with impossible values: {shown}{more}"
