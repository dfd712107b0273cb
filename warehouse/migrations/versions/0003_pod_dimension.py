"""Pod dimension: each pod's workload, Kubernetes labels (the application / cost-centre overrides
that namespace labels cannot carry) and the hours it was first and last seen.

Frozen DDL, like 0001: later schema edits need a new revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pod",
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("pod", sa.String(length=253), nullable=False),
        sa.Column("workload", sa.String(length=253), nullable=True),
        sa.Column("workload_kind", sa.String(length=64), nullable=True),
        sa.Column("labels", sa.Text(), nullable=True, comment="Pod labels as a JSON object"),
        sa.Column("first_seen", sa.DateTime(), nullable=True,
                  comment="Start (UTC) of the first hour the pod was seen"),
        sa.Column("last_seen", sa.DateTime(), nullable=True,
                  comment="Start (UTC) of the last hour the pod was seen"),
        sa.PrimaryKeyConstraint("cluster_id", "namespace", "pod"),
    )


def downgrade() -> None:
    op.drop_table("pod")
