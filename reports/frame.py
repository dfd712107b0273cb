"""A titled data frame as a report: query results shown as they come (runs, costs per sector)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class FrameReport:
    frame: pd.DataFrame
    title: str = ""
