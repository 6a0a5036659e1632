"""A shop: one myshopify domain's install of PriceBridge, with its settings and usage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db
from app.models.types import (
    EncryptedText,
    Id,
    Money,
    Percent,
    UTCDateTime,
    one_of,
    partial_index,
)

ROUNDING_MODES = ("none", "99", "95", "whole")
OUT_OF_STOCK_ACTIONS = ("none", "zero_inventory")
POLLING_TIERS = ("hot", "normal", "cold")
#: What the markup applies to: the landed cost (item plus shipping) or the item alone.
COST_BASES = ("landed_cost", "item_price")
HAS_LIVE_CREDENTIALS = "access_token IS NOT NULL AND uninstalled_at IS NULL"


class Shop(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop"
    __table_args__ = (
        CheckConstraint("domain LIKE '%.myshopify.com'", name="domain_myshopify"),
        CheckConstraint(one_of("rounding", ROUNDING_MODES), name="rounding_known"),
        CheckConstraint(one_of("out_of_stock_action", OUT_OF_STOCK_ACTIONS), name="oos_known"),
        CheckConstraint(one_of("polling_tier", POLLING_TIERS), name="tier_known"),
        CheckConstraint(one_of("cost_basis", COST_BASES), name="cost_basis_known"),
        CheckConstraint("markup_percent >= 0", name="markup_nonnegative"),
        CheckConstraint("min_margin_percent >= 0", name="margin_nonnegative"),
        CheckConstraint("fixed_addon >= 0", name="addon_nonnegative"),
        # The scheduler's refresh sweep looks for live tokens by expiry every minute.
        partial_index(
            "ix_shop_token_expiry", "access_token_expires_at", where=HAS_LIVE_CREDENTIALS
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    # Offline access token: expiring (1 h) with a rotating refresh token.
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scopes: Mapped[str] = mapped_column(String(1024), default="")
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency: Mapped[str | None] = mapped_column(String(3))

    # Pricing settings (store-wide; a product may override the markup).
    markup_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("30.00"))
    fixed_addon: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    rounding: Mapped[str] = mapped_column(String(8), default="none")
    cost_basis: Mapped[str] = mapped_column(
        String(16), default="landed_cost", server_default="landed_cost"
    )
    compare_at_from_list_price: Mapped[bool] = mapped_column(default=False)
    min_margin_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("10.00"))
    # None: automatic push is off (the default); otherwise changes within ±X% push themselves.
    auto_push_tolerance_percent: Mapped[Decimal | None] = mapped_column(Percent)
    out_of_stock_action: Mapped[str] = mapped_column(String(16), default="none")
    polling_tier: Mapped[str] = mapped_column(String(8), default="normal")

    # Oxylabs results billed to this shop in the current month, against its budget.
    oxylabs_monthly_budget: Mapped[int | None] = mapped_column(Integer)
    oxylabs_usage_month: Mapped[date | None] = mapped_column(Date)
    oxylabs_results_used: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # ingest (issue 4)
    # The last provider failure that needs a person (bad credentials, a refused request).
    provider_error: Mapped[str | None] = mapped_column(Text)
    provider_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_installed(self) -> bool:
        return self.installed_at is not None and self.uninstalled_at is None

    def __repr__(self) -> str:
        return f"<Shop {self.id} {self.domain}>"
