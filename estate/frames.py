"""Small helpers that turn model arrays into typed frame columns cheaply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

SOURCE = "synthetic"


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


def frame(columns: Sequence[str], data: dict[str, object]) -> pd.DataFrame:
    """A frame with exactly ``columns`` in order (a missing or extra column is a bug here)."""
    if set(data) != set(columns):
        raise AssertionError(f"column mismatch: {sorted(set(data) ^ set(columns))}")
    return pd.DataFrame({c: data[c] for c in columns})
