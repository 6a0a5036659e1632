"""A product is claimed for a poll only while it has none in flight (app/ingest/polling.py,
issue 14): a partial index on scrape_job's claimed and pending rows by product answers the
claim's check without reading the product's collected history.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

LIVE = "state IN ('claimed', 'pending')"


def upgrade():
    with op.batch_alter_table("scrape_job") as batch:
        batch.create_index(
            "ix_scrape_job_live_product",
            ["product_id"],
            unique=False,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table("scrape_job") as batch:
        batch.drop_index(
            "ix_scrape_job_live_product",
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )
