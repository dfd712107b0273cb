"""The part of a collector batch the format writers read."""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from common.windows import Window


class FactBatch(Protocol):
    """Rows of one table for one scope and window; ``collectors.base.Batch`` is one."""

    @property
    def table(self) -> str: ...

    @property
    def scope(self) -> str: ...

    @property
    def window(self) -> Window: ...

    @property
    def frame(self) -> pd.DataFrame: ...
