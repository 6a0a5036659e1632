"""Landed cost: the shipping price on each observation, and what a shop's markup applies to.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping_price", sa.Numeric(12, 2), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_observation_shipping_nonnegative"),
            "shipping_price IS NULL OR shipping_price >= 0",
        )

    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cost_basis", sa.String(length=16), server_default="landed_cost", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_shop_cost_basis_known"), "cost_basis IN ('landed_cost', 'item_price')"
        )


def downgrade():
    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_cost_basis_known"), type_="check")
        batch_op.drop_column("cost_basis")

    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_observation_shipping_nonnegative"), type_="check")
        batch_op.drop_column("shipping_price")
