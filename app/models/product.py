"""A product: one Shopify variant linked to one Amazon listing, and its polling state."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.shop import POLLING_TIERS, Shop
from app.models.types import Id, Money, Percent, UTCDateTime, one_of, partial_index

# variant_deleted: the Shopify variant is gone (products/delete, or a push Shopify answered
# PRODUCT_VARIANT_DOES_NOT_EXIST); nothing is polled or pushed for it any more.
PRODUCT_STATUSES = ("active", "paused", "needs_attention", "dead", "variant_deleted")
AVAILABILITIES = ("in_stock", "low_stock", "delayed", "out_of_stock", "unavailable", "unknown")
# What the shop's out_of_stock_action reacts to; "unknown" moves nothing.
OUT_OF_STOCK = frozenset({"out_of_stock", "unavailable"})
IN_STOCK = frozenset({"in_stock", "low_stock", "delayed"})


class Product(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "product"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_variant_gid"),
        CheckConstraint(one_of("status", PRODUCT_STATUSES), name="status_known"),
        CheckConstraint(one_of("polling_tier", POLLING_TIERS), name="tier_known"),
        CheckConstraint(one_of("availability", AVAILABILITIES), name="availability_known"),
        CheckConstraint("length(asin) = 10", name="asin_length"),
        CheckConstraint("poll_interval_seconds > 0", name="interval_positive"),
        CheckConstraint("markup_override_percent >= 0", name="markup_nonnegative"),
        # "Due to poll": the scheduler's claim walks this index in next_poll_at order,
        # so its cost grows with the number due, not the number linked.
        partial_index("ix_product_due", "next_poll_at", where="status = 'active'"),
        # The products list pages a shop's rows in these orders: walking an index that starts
        # with shop_id costs the page, not the rows of other shops before it.
        Index("ix_product_shop_order", "shop_id", "id"),
        Index("ix_product_shop_checked", "shop_id", "last_polled_at", "id"),
        Index("ix_product_shop_price_changed", "shop_id", "price_changed_at", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    asin: Mapped[str] = mapped_column(String(10))
    marketplace: Mapped[str] = mapped_column(String(16))
    delivery_location: Mapped[str | None] = mapped_column(String(32))
    shopify_product_gid: Mapped[str] = mapped_column(String(128))
    shopify_variant_gid: Mapped[str] = mapped_column(String(128))
    shopify_inventory_item_gid: Mapped[str | None] = mapped_column(String(128))
    markup_override_percent: Mapped[Decimal | None] = mapped_column(Percent)
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)

    polling_tier: Mapped[str] = mapped_column(String(8), default="normal")
    poll_interval_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Current state, copied from the newest trusted observation for cheap listing.
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amazon_price: Mapped[Decimal | None] = mapped_column(Money)
    amazon_currency: Mapped[str | None] = mapped_column(String(3))
    availability: Mapped[str] = mapped_column(String(16), default="unknown")
    title: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)

    # What Shopify holds for the variant, as last confirmed or read back.
    shopify_price: Mapped[Decimal | None] = mapped_column(Money)
    shopify_price_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The variant as Shopify described it when it was linked (issue 10).
    shopify_variant_title: Mapped[str | None] = mapped_column(Text)
    shopify_sku: Mapped[str | None] = mapped_column(Text)
    shopify_compare_at_price: Mapped[Decimal | None] = mapped_column(Money)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # pricing (issue 5)
    # A price set by hand in the Shopify admin: PriceBridge stops pushing until the merchant
    # chooses (clearing it). The price seen is kept to show next to the override.
    manual_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manual_override_price: Mapped[Decimal | None] = mapped_column(Money)
    # Reconciliation read a Shopify price that differs from the last confirmed one.
    price_drift_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the latest quote has no price at all (no Amazon price, currency mismatch): such a
    # quote cannot be a price_change row, so the product carries the reason.
    price_hold_reason: Mapped[str | None] = mapped_column(String(32))
    price_hold_message: Mapped[str | None] = mapped_column(Text)
    # Stock set aside while Amazon is out of stock, restored later:
    # {"locations": {location gid: quantity}, "key": the idempotency key of the zeroing}.
    inventory_set_aside: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # ingest (issue 4)
    # A fixed polling interval replacing the tier's (the demo polls every few seconds).
    poll_interval_override_seconds: Mapped[int | None] = mapped_column(Integer)
    # When the Amazon price last moved, so the policy polls a moving price sooner.
    price_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Amazon's price before that move (the dashboard shows the move), and the delivery window
    # of the newest trusted observation, copied like amazon_price for cheap listing.
    previous_amazon_price: Mapped[Decimal | None] = mapped_column(Money)
    delivery_earliest: Mapped[date | None] = mapped_column(Date)
    delivery_latest: Mapped[date | None] = mapped_column(Date)
    # Consecutive polls that gave nothing usable (a dead ASIN); drives the backoff.
    failed_polls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    shop: Mapped[Shop] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.marketplace}/{self.asin} -> {self.shopify_variant_gid}>"


def stock_action_needed(shop: Shop, product: Product, availability: str) -> bool:
    """Whether the product's Shopify stock must be zeroed (Amazon is out of stock and the
    shop zeroes) or restored (Amazon has it again and stock was set aside) now."""
    if product.shopify_inventory_item_gid is None:
        return False
    aside = product.inventory_set_aside
    if availability in OUT_OF_STOCK:
        unconfirmed = aside is None or not aside.get("applied")
        return shop.out_of_stock_action == "zero_inventory" and unconfirmed
    return availability in IN_STOCK and aside is not None
