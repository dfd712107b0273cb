"""Daily rollup of pod facts (``pod_usage_daily``), filled from the pod-hours already stored.

Frozen DDL, like 0001: later schema edits need a new revision. From this revision on, every pod
slice load refreshes the rollup of the days it touches (``warehouse.rollups``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO pod_usage_daily
SELECT date_trunc('day', hour), source, cluster_id, node, namespace, count(*), sum(pod_seconds),
       sum(greatest(cpu_usage_core_seconds, cpu_request_core_seconds)),
       sum(greatest(memory_usage_byte_seconds, memory_request_byte_seconds)),
       sum(cpu_usage_core_seconds), sum(cpu_request_core_seconds),
       sum(memory_usage_byte_seconds), sum(memory_request_byte_seconds)
FROM pod_usage_hourly
GROUP BY date_trunc('day', hour), source, cluster_id, node, namespace
"""


def upgrade() -> None:
    op.create_table(
        "pod_usage_daily",
        sa.Column("day", sa.DateTime(), nullable=False, comment="Day start, UTC"),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=253), nullable=True),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("pod_hours", sa.Integer(), nullable=False, comment="Pod-hour rows summed into this row"),
        sa.Column("pod_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_effective_core_seconds", sa.Double(), nullable=False,
                  comment="Sum over pod-hours of max(usage, request)"),
        sa.Column("memory_effective_byte_seconds", sa.Double(), nullable=False,
                  comment="Sum over pod-hours of max(usage, request)"),
        sa.Column("cpu_usage_core_seconds", sa.Double(), nullable=False),
        sa.Column("cpu_request_core_seconds", sa.Double(), nullable=False),
        sa.Column("memory_usage_byte_seconds", sa.Double(), nullable=False),
        sa.Column("memory_request_byte_seconds", sa.Double(), nullable=False),
    )
    if op.get_context().dialect.name == "postgresql":
        op.create_index("ix_pod_usage_daily_cluster_day", "pod_usage_daily", ["cluster_id", "day"])
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("pod_usage_daily")
