"""Reading dimension tables (small: sectors, clusters, nodes, namespaces, workloads, vSphere)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from common.errors import DataError
from warehouse.engine import connection
from warehouse.schema import DIMENSION_TABLES


def read_dimension(bind: sa.Engine | sa.Connection, name: str) -> pd.DataFrame:
    """All rows of one dimension table, with its columns even when it is empty."""
    try:
        table = DIMENSION_TABLES[name]
    except KeyError:
        raise DataError(f"unknown dimension table {name!r}; expected one of {sorted(DIMENSION_TABLES)}") from None
    with connection(bind) as conn:
        return pd.DataFrame(conn.execute(sa.select(table)).mappings().all(), columns=list(table.c.keys()))
