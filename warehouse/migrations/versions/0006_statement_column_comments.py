"""Statement column comments: a version may be priced by several price lists, and its diff is per
namespace.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (column, comment before, comment after)
CHANGES = (
    ("price_list_version", "Price list the lines were priced with",
     "Price list versions in force in the month, joined by '+' (e.g. 2026.1+2026.2)"),
    ("diff", "JSON: change per sector and cost type against the superseded version",
     "JSON: change per sector, cluster, namespace and cost type against the superseded version"),
)


def _comment(index: int) -> None:
    # COMMENT ON COLUMN is understood by PostgreSQL and DuckDB alike (Alembic's alter_column comment
    # is not rendered for DuckDB).
    for name, *comments in CHANGES:
        text = comments[index].replace("'", "''")
        op.execute(f"COMMENT ON COLUMN chargeback_statement.{name} IS '{text}'")


def upgrade() -> None:
    _comment(1)


def downgrade() -> None:
    _comment(0)
