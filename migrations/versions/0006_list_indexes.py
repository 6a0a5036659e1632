"""Indexes for the products list (issue 11): a shop's page and sort orders without reading
other shops' rows, and a product's newest live price change in one probe.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LIVE = "state <> 'superseded'"
PRODUCT_INDEXES = {
    "ix_product_shop_order": ["shop_id", "id"],
    "ix_product_shop_checked": ["shop_id", "last_polled_at", "id"],
    "ix_product_shop_price_changed": ["shop_id", "price_changed_at", "id"],
}


EVENT_INDEX = ("ix_price_change_event_shop_time", ["shop_id", "to_state", "at"])


def upgrade():
    with op.batch_alter_table("price_change_event", schema=None) as batch_op:
        batch_op.create_index(*EVENT_INDEX, unique=False)
    with op.batch_alter_table("product", schema=None) as batch_op:
        for name, columns in PRODUCT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("price_change", schema=None) as batch_op:
        batch_op.create_index(
            "ix_price_change_live",
            ["product_id", "id"],
            unique=False,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table("price_change", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_price_change_live", postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE)
        )
    with op.batch_alter_table("product", schema=None) as batch_op:
        for name in reversed(PRODUCT_INDEXES):
            batch_op.drop_index(name)
    with op.batch_alter_table("price_change_event", schema=None) as batch_op:
        batch_op.drop_index(EVENT_INDEX[0])
