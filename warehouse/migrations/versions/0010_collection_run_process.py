"""Collection runs record the process id and host that collect them, so a run left ``running`` by a
process that is gone (killed, host rebooted) can be found and marked ``abandoned``; the status
comment names the ``interrupted`` and ``abandoned`` statuses.

Frozen DDL: later schema edits need a new revision. Runs stored before this revision keep NULL.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PID = "Process id of the collecting process; NULL: a run from before revision 0010"
HOST = "Host name of the collecting process; NULL: a run from before revision 0010"
STATUS = "running, succeeded, failed, interrupted (by a signal) or abandoned (its process gone)"
OLD_STATUS = "running, succeeded or failed"


def _status_comment(text: str) -> None:
    # COMMENT ON COLUMN: PostgreSQL and DuckDB alike (Alembic's alter_column comment is not rendered
    # for DuckDB)
    op.execute(f"COMMENT ON COLUMN collection_run.status IS '{text}'")


def upgrade() -> None:
    op.add_column("collection_run", sa.Column("pid", sa.Integer(), nullable=True, comment=PID))
    op.add_column("collection_run", sa.Column("host", sa.String(255), nullable=True, comment=HOST))
    _status_comment(STATUS)


def downgrade() -> None:
    _status_comment(OLD_STATUS)
    op.drop_column("collection_run", "host")
    op.drop_column("collection_run", "pid")
