"""Ingest (issue 4): adaptive polling state on product, provider errors on shop.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("poll_interval_override_seconds", sa.Integer(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("price_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("failed_polls", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_error", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("provider_error_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.drop_column("provider_error_at")
        batch_op.drop_column("provider_error")

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("failed_polls")
        batch_op.drop_column("price_changed_at")
        batch_op.drop_column("poll_interval_override_seconds")
