"""A poll of one product through a provider batch, from its claim to its collected result.

The row is written when the scheduler claims the product (`claimed`, in the same transaction
that moves the product's next poll and reserves its shop's budget), so a claim outlives a
killed worker or a lost Redis queue: a claim left unsubmitted is submitted again. Submitting
fills `provider_job_id` (`pending`); collecting stores the observation (`collected`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db
from app.models.types import Id, UTCDateTime, one_of, partial_index

SCRAPE_JOB_STATES = ("claimed", "pending", "done", "faulted", "collected", "abandoned")
#: Rows without a provider ticket: claimed and not yet submitted, or given up before submitting.
UNSUBMITTED_STATES = ("claimed", "abandoned")
CLAIMED = "state = 'claimed'"
#: A poll in flight: claimed (its result reserved) and not yet submitted, or submitted and not
#: yet collected. A product has at most one; the claim skips products that have one.
LIVE_STATES = ("claimed", "pending")


class ScrapeJob(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "scrape_job"
    __table_args__ = (
        CheckConstraint(one_of("state", SCRAPE_JOB_STATES), name="state_known"),
        CheckConstraint(
            f"provider_job_id IS NOT NULL OR {one_of('state', UNSUBMITTED_STATES)}",
            name="ticket_once_submitted",
        ),
        Index("ix_scrape_job_state_submitted", "state", "submitted_at"),
        partial_index("ix_scrape_job_claimed_batch", "batch_key", where=CLAIMED),
        partial_index(
            "ix_scrape_job_live_product", "product_id", where=one_of("state", LIVE_STATES)
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # The provider's job id, once submitted; unique so that resuming never collects a job twice.
    provider_job_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The batch the claim belongs to: the submit job's argument, and what a resubmission reads.
    batch_key: Mapped[str | None] = mapped_column(String(64))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    asin: Mapped[str] = mapped_column(String(10))
    marketplace: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # When claimed, then when submitted: collecting goes oldest first.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
