"""Service level indicator events in 5-minute buckets, from access logs."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from warehouse.schema.base import UtcTimestamp, metadata, postgres_only_index

sli_5m = Table(
    "sli_5m",
    metadata,
    Column("bucket_start", UtcTimestamp, nullable=False, comment="5-minute bucket start, UTC"),
    Column("source", String(32), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("service", String(253), nullable=False),
    Column("sli", String(64), nullable=False, comment="availability, latency, ..."),
    Column("good_events", BigInteger, nullable=False),
    Column("total_events", BigInteger, nullable=False),
    postgres_only_index("ix_sli_5m_cluster_bucket", "cluster_id", "bucket_start"),
)
