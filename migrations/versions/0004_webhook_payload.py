"""Webhook bodies wait in PostgreSQL until handled; an index for deliveries still waiting.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WAITING = "processed_at IS NULL AND error IS NULL"


def upgrade():
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_webhook_event_waiting",
            ["received_at"],
            unique=False,
            postgresql_where=sa.text(WAITING),
            sqlite_where=sa.text(WAITING),
        )


def downgrade():
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_webhook_event_waiting",
            postgresql_where=sa.text(WAITING),
            sqlite_where=sa.text(WAITING),
        )
        batch_op.drop_column("payload")
