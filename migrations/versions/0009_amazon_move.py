"""The Amazon price before its last move, and the delivery window, on each product: the
dashboard's row shows the move and the delivery dates without reading the history.

Existing products take both from their trusted observations: the previous price is the newest
trusted price (same currency) that differs from the product's current one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_NEWEST_TRUSTED = """
    SELECT o.{column} FROM observation o
    WHERE o.product_id = product.id AND o.quarantined = false {extra}
    ORDER BY o.observed_at DESC, o.id DESC LIMIT 1
"""


def upgrade():
    with op.batch_alter_table("product") as batch:
        batch.add_column(
            sa.Column("previous_amazon_price", sa.Numeric(precision=12, scale=2), nullable=True)
        )
        batch.add_column(sa.Column("delivery_earliest", sa.Date(), nullable=True))
        batch.add_column(sa.Column("delivery_latest", sa.Date(), nullable=True))
    differs = (
        "AND o.price IS NOT NULL AND o.price <> product.amazon_price"
        " AND o.currency = product.amazon_currency"
    )
    op.execute(
        "UPDATE product SET"
        f" previous_amazon_price = ({_NEWEST_TRUSTED.format(column='price', extra=differs)}),"
        f" delivery_earliest = ({_NEWEST_TRUSTED.format(column='delivery_earliest', extra='')}),"
        f" delivery_latest = ({_NEWEST_TRUSTED.format(column='delivery_latest', extra='')})"
        " WHERE amazon_price IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("product") as batch:
        batch.drop_column("delivery_latest")
        batch.drop_column("delivery_earliest")
        batch.drop_column("previous_amazon_price")
