"""Price-change retention (issue 11): old superseded changes are deleted and old finished
changes keep only their final transition (app/price_changes/retention.py); two partial
indexes find them without reading the rest of the history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SUPERSEDED = "state = 'superseded'"
UNCOMPACTED = "state IN ('pushed', 'failed', 'rejected') AND history_compacted_at IS NULL"


def upgrade():
    with op.batch_alter_table("price_change") as batch:
        batch.add_column(
            sa.Column("history_compacted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_index(
            "ix_price_change_superseded_time",
            ["updated_at"],
            unique=False,
            postgresql_where=sa.text(SUPERSEDED),
            sqlite_where=sa.text(SUPERSEDED),
        )
        batch.create_index(
            "ix_price_change_uncompacted_time",
            ["updated_at"],
            unique=False,
            postgresql_where=sa.text(UNCOMPACTED),
            sqlite_where=sa.text(UNCOMPACTED),
        )


def downgrade():
    with op.batch_alter_table("price_change") as batch:
        batch.drop_index(
            "ix_price_change_uncompacted_time",
            postgresql_where=sa.text(UNCOMPACTED),
            sqlite_where=sa.text(UNCOMPACTED),
        )
        batch.drop_index(
            "ix_price_change_superseded_time",
            postgresql_where=sa.text(SUPERSEDED),
            sqlite_where=sa.text(SUPERSEDED),
        )
        batch.drop_column("history_compacted_at")
