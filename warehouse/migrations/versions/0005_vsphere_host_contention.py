"""vSphere host contention: the host's CPU demand and ready time, ballooned and swapped memory.

Frozen DDL, like 0001: later schema edits need a new revision. Hours stored before this revision
keep NULL in the new columns until their window is collected again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    ("cpu_demand_mhz", None),
    ("cpu_ready_ms", "Summed ready time of the host's VMs' vCPUs in the hour, milliseconds"),
    ("memory_ballooned_bytes", None),
    ("memory_swapped_bytes", None),
)


def upgrade() -> None:
    for name, comment in COLUMNS:
        op.add_column("vsphere_host_hourly", sa.Column(name, sa.Double(), nullable=True, comment=comment))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("vsphere_host_hourly", name)
