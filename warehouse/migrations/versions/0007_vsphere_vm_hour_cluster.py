"""vSphere VM-hours carry the vSphere cluster of the host the VM ran on in that hour.

A VM moved by vMotion between clusters is placed per hour with its host; the VM dimension keeps
only its current cluster. Frozen DDL: later schema edits need a new revision. Hours stored before
this revision keep NULL until their window is collected again; read queries then use the VM's
current cluster.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COMMENT = "vSphere cluster of the hour's host; NULL: the VM's current one (rows from before 0007)"


def upgrade() -> None:
    op.add_column("vsphere_vm_hourly", sa.Column("vsphere_cluster", sa.String(200), nullable=True, comment=COMMENT))


def downgrade() -> None:
    op.drop_column("vsphere_vm_hourly", "vsphere_cluster")
