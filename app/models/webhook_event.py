"""A webhook delivery from Shopify, keyed by its webhook id so a duplicate does nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db
from app.models.types import UTCDateTime, partial_index


class WebhookEvent(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "webhook_event"
    __table_args__ = (
        Index("ix_webhook_event_shop_time", "shop_domain", "received_at"),
        # The sweep looks for deliveries still waiting for their job.
        partial_index(
            "ix_webhook_event_waiting",
            "received_at",
            where="processed_at IS NULL AND error IS NULL",
        ),
    )

    # Shopify's X-Shopify-Webhook-Id; the same delivery retried carries the same id.
    webhook_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    # The domain, not a foreign key: shop/redact arrives after the shop row may be gone.
    shop_domain: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(64))
    api_version: Mapped[str | None] = mapped_column(String(16))
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    # The verified body, kept until the delivery is handled and then cleared: PostgreSQL, not
    # Redis, so a Redis restart cannot lose a delivery (shop/redact included), and not the
    # job's arguments, which RQ logs (compliance payloads carry customer details).
    payload: Mapped[str | None] = mapped_column(Text)
