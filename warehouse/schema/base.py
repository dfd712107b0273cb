"""What every domain's tables share: the one MetaData, the column types and the PostgreSQL-only index.

Every table module registers its tables on :data:`metadata`, so ``metadata.create_all`` and the
Alembic environment (``warehouse/migrations/env.py``) see the whole warehouse once
:mod:`warehouse.schema` is imported.
"""

from __future__ import annotations

from sqlalchemy import DateTime, Index, MetaData, Numeric

metadata = MetaData()

# Quantities are 64-bit floats: SQLAlchemy's Float is a 32-bit REAL on DuckDB, which loses
# precision on monthly sums of core-seconds.
# Timestamps are naive UTC: DuckDB and PostgreSQL then agree on hour arithmetic without a
# session time zone, and every value is documented as UTC.
UtcTimestamp = DateTime(timezone=False)
Money = Numeric(20, 6)


def postgres_only_index(name: str, *columns: str) -> Index:
    """An index created only on PostgreSQL (DuckDB scans columnar zone maps instead)."""
    return Index(name, *columns).ddl_if(dialect="postgresql")
