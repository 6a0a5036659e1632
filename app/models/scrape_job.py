"""A provider job in flight, written before polling so a restarted worker resumes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db
from app.models.types import Id, UTCDateTime, one_of

SCRAPE_JOB_STATES = ("pending", "done", "faulted", "collected", "abandoned")


class ScrapeJob(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "scrape_job"
    __table_args__ = (
        CheckConstraint(one_of("state", SCRAPE_JOB_STATES), name="state_known"),
        Index("ix_scrape_job_state_submitted", "state", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # The provider's job id; unique so that resuming never collects a job twice.
    provider_job_id: Mapped[str] = mapped_column(String(64), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    asin: Mapped[str] = mapped_column(String(10))
    marketplace: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
