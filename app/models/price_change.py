"""A price change: a proposed Shopify price and its way to Shopify (an outbox row).

proposed -> approved -> pushing -> pushed | failed | held | rejected | superseded. Each
transition is also written to `price_change_event` with its time and actor, so the history is
auditable.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db
from app.models.types import Id, Money, UTCDateTime, one_of, partial_index

CHANGE_STATES = (
    "proposed",
    "approved",
    "pushing",
    "pushed",
    "failed",
    "held",
    "superseded",
    "rejected",
)
OPEN_STATES = ("proposed", "approved", "held")


class PriceChange(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "price_change"
    __table_args__ = (
        CheckConstraint(one_of("state", CHANGE_STATES), name="state_known"),
        CheckConstraint("proposed_price > 0", name="price_positive"),
        Index("ix_price_change_product_time", "product_id", "created_at"),
        Index("ix_price_change_shop_state", "shop_id", "state"),
        # A product's newest live change in one probe, however long its history (summary.py).
        partial_index("ix_price_change_live", "product_id", "id", where="state <> 'superseded'"),
        # What the retention sweep deletes or compacts, found without reading the rest
        # (app/price_changes/retention.py).
        partial_index(
            "ix_price_change_superseded_time", "updated_at", where="state = 'superseded'"
        ),
        partial_index(
            "ix_price_change_uncompacted_time",
            "updated_at",
            where="state IN ('pushed', 'failed', 'rejected') AND history_compacted_at IS NULL",
        ),
        # At most one open (not yet pushing) change per product: a newer one supersedes it.
        partial_index(
            "uq_price_change_open_per_product",
            "product_id",
            where=one_of("state", OPEN_STATES),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    observation_id: Mapped[int | None] = mapped_column(
        ForeignKey("observation.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(16), default="proposed")
    proposed_price: Mapped[Decimal] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    previous_price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    held_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    approved_by: Mapped[str | None] = mapped_column(String(128))
    # The person who rejected it (a Shopify user id); the same quote is not proposed again.
    rejected_by: Mapped[str | None] = mapped_column(String(128))
    # What the quote was computed from (Amazon price and currency, rules, overrides), hashed:
    # a rejected quote that comes back unchanged is not proposed again.
    quote_fingerprint: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_price: Mapped[Decimal | None] = mapped_column(Money)
    shopify_response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When retention dropped its intermediate transitions (only the final one is kept).
    history_compacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return (
            f"<PriceChange {self.id} product={self.product_id} {self.state} {self.proposed_price}>"
        )


class PriceChangeEvent(db.Model):  # type: ignore[name-defined,misc]
    """One transition of a price change: when, from what, to what, and who did it."""

    __tablename__ = "price_change_event"
    __table_args__ = (
        CheckConstraint(one_of("to_state", CHANGE_STATES), name="to_state_known"),
        Index("ix_price_change_event_change", "price_change_id", "at"),
        # "Pushes today" on the summary reads one day of one shop's transitions.
        Index("ix_price_change_event_shop_time", "shop_id", "to_state", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    price_change_id: Mapped[int] = mapped_column(ForeignKey("price_change.id", ondelete="CASCADE"))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    # The Shopify user id from the session token, or "auto" for PriceBridge's own moves.
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
