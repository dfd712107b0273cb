"""Log volume per namespace and hour, from the log store."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from warehouse.schema.base import UtcTimestamp, metadata, postgres_only_index

log_volume_hourly = Table(
    "log_volume_hourly",
    metadata,
    Column("hour", UtcTimestamp, nullable=False),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("documents", BigInteger, nullable=False),
    Column("bytes", BigInteger, comment="NULL where the index does not record sizes"),
    Column("error_documents", BigInteger),
    Column("warning_documents", BigInteger),
    postgres_only_index("ix_log_volume_hourly_cluster_hour", "cluster_id", "hour"),
)
