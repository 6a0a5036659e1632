"""The price-change lifecycle (issue 10): `rejected` changes with their actor and quote, links
checked against Shopify (variant title, SKU, compare-at price), `variant_deleted` products.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_CHANGE_STATES = ("proposed", "approved", "pushing", "pushed", "failed", "held", "superseded")
NEW_CHANGE_STATES = (*OLD_CHANGE_STATES, "rejected")
OLD_PRODUCT_STATUSES = ("active", "paused", "needs_attention", "dead")
NEW_PRODUCT_STATUSES = (*OLD_PRODUCT_STATUSES, "variant_deleted")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_check(batch, table, name, column, values):
    batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
    batch.create_check_constraint(op.f(f"ck_{table}_{name}"), _one_of(column, values))


def upgrade():
    with op.batch_alter_table("product") as batch:
        batch.add_column(sa.Column("shopify_variant_title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("shopify_sku", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("shopify_compare_at_price", sa.Numeric(precision=12, scale=2), nullable=True)
        )
        _replace_check(batch, "product", "status_known", "status", NEW_PRODUCT_STATUSES)
    with op.batch_alter_table("price_change") as batch:
        batch.add_column(sa.Column("rejected_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("quote_fingerprint", sa.String(length=64), nullable=True))
        _replace_check(batch, "price_change", "state_known", "state", NEW_CHANGE_STATES)
    with op.batch_alter_table("price_change_event") as batch:
        _replace_check(batch, "price_change_event", "to_state_known", "to_state", NEW_CHANGE_STATES)


def downgrade():
    # A rejected change was, before this revision, recorded as superseded.
    op.execute("UPDATE price_change SET state = 'superseded' WHERE state = 'rejected'")
    op.execute("UPDATE price_change_event SET to_state = 'superseded' WHERE to_state = 'rejected'")
    op.execute("UPDATE product SET status = 'dead' WHERE status = 'variant_deleted'")
    with op.batch_alter_table("price_change_event") as batch:
        _replace_check(batch, "price_change_event", "to_state_known", "to_state", OLD_CHANGE_STATES)
    with op.batch_alter_table("price_change") as batch:
        _replace_check(batch, "price_change", "state_known", "state", OLD_CHANGE_STATES)
        batch.drop_column("quote_fingerprint")
        batch.drop_column("rejected_by")
    with op.batch_alter_table("product") as batch:
        _replace_check(batch, "product", "status_known", "status", OLD_PRODUCT_STATUSES)
        batch.drop_column("shopify_compare_at_price")
        batch.drop_column("shopify_sku")
        batch.drop_column("shopify_variant_title")
