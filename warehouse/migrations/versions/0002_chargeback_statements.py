"""Chargeback statements: versioned, closable monthly statements, their lines, namespace
efficiency and sector entitlement results.

Frozen DDL, like 0001: later schema edits need a new revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = [
    "chargeback_statement",
    "chargeback_statement_line",
    "chargeback_namespace_efficiency",
    "chargeback_entitlement",
]


def _money() -> sa.Numeric:
    return sa.Numeric(precision=20, scale=6)


def upgrade() -> None:
    op.create_table(
        "chargeback_statement",
        sa.Column("month", sa.String(length=7), nullable=False, comment="YYYY-MM"),
        sa.Column("version", sa.Integer(), nullable=False,
                  comment="1 for the first computation, +1 per restatement"),
        sa.Column("model", sa.String(length=32), nullable=False, comment="pools or rate_card"),
        sa.Column("mode", sa.String(length=16), nullable=False, comment="showback or chargeback"),
        sa.Column("status", sa.String(length=16), nullable=False, comment="draft, closed or superseded"),
        sa.Column("price_list_version", sa.String(length=64), nullable=False,
                  comment="Price list the lines were priced with"),
        sa.Column("price_list_digest", sa.String(length=64), nullable=False,
                  comment="SHA-256 of the price list as applied"),
        sa.Column("facts_digest", sa.String(length=64), nullable=False,
                  comment="Fingerprint of the month's facts; a change after close calls for a restatement"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount", _money(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("supersedes_version", sa.Integer(), nullable=True,
                  comment="Closed version this restatement replaces"),
        sa.Column("reason", sa.Text(), nullable=True,
                  comment="Why the version was made (close, restatement after late data, ...)"),
        sa.Column("diff", sa.Text(), nullable=True,
                  comment="JSON: change per sector and cost type against the superseded version"),
        sa.Column("completeness", sa.Text(), nullable=False, comment="JSON: data completeness per cluster"),
        sa.PrimaryKeyConstraint("month", "version"),
    )
    op.create_table(
        "chargeback_statement_line",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sector_id", sa.String(length=64), nullable=False, comment="Resolved sector or UNALLOCATED"),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False,
                  comment="Namespace, or (idle) for unused capacity"),
        sa.Column("application", sa.String(length=200), nullable=True),
        sa.Column("cost_centre", sa.String(length=64), nullable=True),
        sa.Column("cost_type", sa.String(length=32), nullable=False,
                  comment="cpu, memory, idle, platform, storage, logging, ..."),
        sa.Column("pool", sa.String(length=64), nullable=False, comment="Cost pool or rate the line comes from"),
        sa.Column("quantity", sa.Double(), nullable=True,
                  comment="Basis quantity (core-hours, GiB-hours, GiB-months, GB, share)"),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("rate", sa.Numeric(precision=20, scale=8), nullable=True,
                  comment="Price per unit, when the line is quantity x rate"),
        sa.Column("pool_amount", _money(), nullable=True, comment="Whole pool, when the line is a share of a pool"),
        sa.Column("share", sa.Double(), nullable=True, comment="Share of the pool, when the line is a share of a pool"),
        sa.Column("basis", sa.Text(), nullable=False, comment="How the amount was derived, in words"),
        sa.Column("amount", _money(), nullable=False),
        sa.PrimaryKeyConstraint("month", "version", "line_no"),
    )
    op.create_table(
        "chargeback_namespace_efficiency",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("sector_id", sa.String(length=64), nullable=False),
        sa.Column("cpu_usage_core_hours", sa.Double(), nullable=False),
        sa.Column("cpu_request_core_hours", sa.Double(), nullable=False),
        sa.Column("memory_usage_gib_hours", sa.Double(), nullable=False),
        sa.Column("memory_request_gib_hours", sa.Double(), nullable=False),
        sa.Column("cpu_efficiency", sa.Double(), nullable=True, comment="usage / request; NULL without requests"),
        sa.Column("memory_efficiency", sa.Double(), nullable=True, comment="usage / request; NULL without requests"),
        sa.Column("charged_amount", _money(), nullable=False, comment="Direct CPU and memory charge"),
        sa.Column("wasted_amount", _money(), nullable=False,
                  comment="Part of the charge paying for requested but unused"),
        sa.PrimaryKeyConstraint("month", "version", "cluster_id", "namespace"),
    )
    op.create_table(
        "chargeback_entitlement",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sector_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=16), nullable=False,
                  comment="cpu (cores), memory (GiB) or storage (TB)"),
        sa.Column("purchased", sa.Double(), nullable=False),
        sa.Column("requested", sa.Double(), nullable=False, comment="Average over the month"),
        sa.Column("used", sa.Double(), nullable=False, comment="Average over the month"),
        sa.Column("unused_amount", _money(), nullable=False,
                  comment="Cost of purchased capacity neither requested nor used"),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("month", "version", "sector_id", "resource"),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
