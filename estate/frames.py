"""Small helpers that turn model arrays into typed frame columns cheaply, in the tables' column order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from warehouse.schema import DIMENSION_TABLES, FACT_TABLES

SOURCE = "synthetic"


def columns(table: str) -> tuple[str, ...]:
    """The column names of warehouse table ``table``, in table order: the schema defines them."""
    found = FACT_TABLES[table] if table in FACT_TABLES else DIMENSION_TABLES[table]
    return tuple(c.name for c in found.columns)


def strings(values: Sequence[str | None], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as a string column; converting the few distinct values first is much
    faster than converting one Python object per row."""
    return pd.array(list(values), dtype="str").take(np.asarray(codes, dtype=np.int64))


def constant(value: str, n: int) -> pd.api.extensions.ExtensionArray:
    return strings([value], np.zeros(n, dtype=np.int64))


def timestamps(start: datetime, offsets: np.ndarray, unit: str) -> np.ndarray:
    """Naive UTC times ``start + offsets`` (offsets in ``unit``, 'h' or 'm')."""
    base = np.datetime64(start, "ns")
    return base + np.asarray(offsets, dtype=np.int64).astype(f"timedelta64[{unit}]").astype("timedelta64[ns]")


def frame(table: str, data: dict[str, object]) -> pd.DataFrame:
    """A frame of ``table`` with exactly its columns, in order (a missing or extra column is a bug here)."""
    names = columns(table)
    if set(data) != set(names):
        raise AssertionError(f"{table} column mismatch: {sorted(set(data) ^ set(names))}")
    return pd.DataFrame({c: data[c] for c in names})
