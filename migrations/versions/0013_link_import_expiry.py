"""CSV imports expire (app/ingest/link_import_retention.py): the `expired` state, an index over
the rows still holding their file (the retention sweep reads only those), and the shop's
imports newest first (GET /api/products/imports) in place of the shop_id index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OLD_STATES = ("validating", "validated", "invalid", "importing", "imported", "failed")
NEW_STATES = (*OLD_STATES, "expired")
HOLDS_FILE = "content IS NOT NULL"


def _one_of(values):
    return f"state IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("link_import") as batch:
        batch.drop_constraint(op.f("ck_link_import_state_known"), type_="check")
        batch.create_check_constraint(op.f("ck_link_import_state_known"), _one_of(NEW_STATES))
        batch.drop_index(op.f("ix_link_import_shop_id"))
        batch.create_index("ix_link_import_shop_newest", ["shop_id", "id"], unique=False)
        batch.create_index(
            "ix_link_import_file_held",
            ["created_at"],
            unique=False,
            postgresql_where=sa.text(HOLDS_FILE),
            sqlite_where=sa.text(HOLDS_FILE),
        )


def downgrade():
    # An expired import has no file and is finished: `failed` is the old state that says so.
    op.execute(
        "UPDATE link_import SET state = 'failed', failure_code = 'expired' WHERE state = 'expired'"
    )
    with op.batch_alter_table("link_import") as batch:
        batch.drop_index(
            "ix_link_import_file_held",
            postgresql_where=sa.text(HOLDS_FILE),
            sqlite_where=sa.text(HOLDS_FILE),
        )
        batch.drop_index("ix_link_import_shop_newest")
        batch.create_index(op.f("ix_link_import_shop_id"), ["shop_id"], unique=False)
        batch.drop_constraint(op.f("ck_link_import_state_known"), type_="check")
        batch.create_check_constraint(op.f("ck_link_import_state_known"), _one_of(OLD_STATES))
