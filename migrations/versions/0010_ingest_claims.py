"""Claims of scheduled polls are rows: `scrape_job` is written when a product is claimed
(`claimed`, with its batch's key and no provider ticket yet), so a submit killed with its
worker, or lost with Redis, is found and submitted again instead of waiting for the product's
next poll (issue 14).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD_STATES = ("pending", "done", "faulted", "collected", "abandoned")
NEW_STATES = ("claimed", *OLD_STATES)
CLAIMED = "state = 'claimed'"
TICKET_ONCE_SUBMITTED = "provider_job_id IS NOT NULL OR state IN ('claimed', 'abandoned')"


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("scrape_job") as batch:
        batch.add_column(sa.Column("batch_key", sa.String(length=64), nullable=True))
        batch.alter_column("provider_job_id", existing_type=sa.String(length=64), nullable=True)
        batch.drop_constraint(op.f("ck_scrape_job_state_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_scrape_job_state_known"), _one_of("state", NEW_STATES)
        )
        batch.create_check_constraint(
            op.f("ck_scrape_job_ticket_once_submitted"), TICKET_ONCE_SUBMITTED
        )
        batch.create_index(
            "ix_scrape_job_claimed_batch",
            ["batch_key"],
            unique=False,
            postgresql_where=sa.text(CLAIMED),
            sqlite_where=sa.text(CLAIMED),
        )


def downgrade():
    # A claim never submitted has no ticket to keep: its product is polled at its next turn.
    op.execute("DELETE FROM scrape_job WHERE provider_job_id IS NULL")
    with op.batch_alter_table("scrape_job") as batch:
        batch.drop_index(
            "ix_scrape_job_claimed_batch",
            postgresql_where=sa.text(CLAIMED),
            sqlite_where=sa.text(CLAIMED),
        )
        batch.drop_constraint(op.f("ck_scrape_job_ticket_once_submitted"), type_="check")
        batch.drop_constraint(op.f("ck_scrape_job_state_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_scrape_job_state_known"), _one_of("state", OLD_STATES)
        )
        batch.alter_column("provider_job_id", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("batch_key")
