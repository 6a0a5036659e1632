"""An index for the token-refresh sweep: live tokens by expiry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LIVE_TOKEN = "access_token IS NOT NULL AND uninstalled_at IS NULL"


def upgrade():
    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shop_token_expiry",
            ["access_token_expires_at"],
            unique=False,
            postgresql_where=sa.text(LIVE_TOKEN),
            sqlite_where=sa.text(LIVE_TOKEN),
        )


def downgrade():
    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_shop_token_expiry",
            postgresql_where=sa.text(LIVE_TOKEN),
            sqlite_where=sa.text(LIVE_TOKEN),
        )
