"""Pricing (issue 5): manual override, drift, price-less holds and stock set aside on product.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    "manual_override_at",
    "manual_override_price",
    "price_drift_at",
    "price_hold_reason",
    "price_hold_message",
    "inventory_set_aside",
)


def upgrade():
    with op.batch_alter_table("product") as batch:
        batch.add_column(sa.Column("manual_override_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("manual_override_price", sa.Numeric(precision=12, scale=2), nullable=True)
        )
        batch.add_column(sa.Column("price_drift_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("price_hold_reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("price_hold_message", sa.Text(), nullable=True))
        batch.add_column(sa.Column("inventory_set_aside", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("product") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
