"""An observation: what Amazon showed for a product at one moment. Append-only history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db
from app.models.product import AVAILABILITIES
from app.models.types import Id, Money, UTCDateTime, one_of


class Observation(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "observation"
    __table_args__ = (
        CheckConstraint(one_of("availability", AVAILABILITIES), name="availability_known"),
        CheckConstraint("price IS NULL OR price > 0", name="price_positive"),
        CheckConstraint(
            "shipping_price IS NULL OR shipping_price >= 0", name="shipping_nonnegative"
        ),
        CheckConstraint(
            "quarantined = false OR (quarantine_reason IS NOT NULL AND price IS NULL)",
            name="quarantine_has_reason_no_price",
        ),
        # "History of a product by time": charts and audits read newest first.
        Index("ix_observation_product_time", "product_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # shop_id is denormalised so that every read is scoped by shop without a join.
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    asin: Mapped[str] = mapped_column(String(10))
    marketplace: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal | None] = mapped_column(Money)
    list_price: Mapped[Decimal | None] = mapped_column(Money)
    # The offer's shipping price (0 when free; NULL when not read): part of the landed cost.
    shipping_price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    availability: Mapped[str] = mapped_column(String(16))
    stock_text: Mapped[str] = mapped_column(Text, default="")
    delivery_earliest: Mapped[date | None] = mapped_column(Date)
    delivery_latest: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    seller: Mapped[str | None] = mapped_column(Text)
    is_amazon_fulfilled: Mapped[bool | None] = mapped_column()
    parse_status: Mapped[int | None] = mapped_column(Integer)
    quarantined: Mapped[bool] = mapped_column(default=False)
    quarantine_reason: Mapped[str | None] = mapped_column(String(64))
    source_job_id: Mapped[str | None] = mapped_column(String(64))
    # The provider's raw payload, kept only for quarantined results (for inspection).
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Observation {self.id} product={self.product_id} {self.price} {self.observed_at}>"
