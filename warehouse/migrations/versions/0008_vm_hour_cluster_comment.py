"""The VM-hour's vSphere cluster column: NULL no longer reads as the VM's current cluster but as
the cluster its host is in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BEFORE = "vSphere cluster of the hour's host; NULL: the VM's current one (rows from before 0007)"
AFTER = ("vSphere cluster of the hour's host; NULL: a standalone or unknown host, or a row from before 0007 "
         "(read as the cluster the host is in)")


def _comment(text: str) -> None:
    # COMMENT ON COLUMN works on PostgreSQL and DuckDB alike (see 0006).
    escaped = text.replace("'", "''")
    op.execute(f"COMMENT ON COLUMN vsphere_vm_hourly.vsphere_cluster IS '{escaped}'")


def upgrade() -> None:
    _comment(AFTER)


def downgrade() -> None:
    _comment(BEFORE)
