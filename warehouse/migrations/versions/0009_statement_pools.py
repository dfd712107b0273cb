"""Chargeback statement pools: each version's cost pools per cluster (hardware, licences, support,
network, storage, logging; the rate card's fees), stored with the version's lines.

Versions stored before this revision have no pool rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chargeback_statement_pool",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("pool", sa.String(length=64), nullable=False,
                  comment="Cost pool (hardware, vmware-licence, ...) or rate-card fee the cluster's lines come from"),
        sa.Column("amount", sa.Numeric(precision=20, scale=6), nullable=False,
                  comment="The whole pool: its lines on the cluster sum to it"),
        sa.Column("basis", sa.Text(), nullable=False, comment="How the pool was derived, in words"),
        sa.PrimaryKeyConstraint("month", "version", "cluster_id", "pool"),
    )


def downgrade() -> None:
    op.drop_table("chargeback_statement_pool")
