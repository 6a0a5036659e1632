"""Why a product has no change to push, in words that are true against the current rules.

"Update Shopify" (one product or many) answers each product with either its approved change
or a ``Skip``: the reason (``REASONS``) and a message for the merchant. A product is skipped
when its variant is gone, when its price was set by hand in Shopify, when its change is held,
and, with no change waiting, when Shopify already has the price the rules give, when the
merchant rejected that very quote, when Amazon has not been read yet, or when a push is
already under way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select

from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.price_changes.ledger import money
from app.price_changes.quote import (
    latest_observation,
    product_overrides,
    quote_fingerprint,
    quote_product,
    shop_rules,
)

REASONS: Final = (
    "held",
    "in_sync",
    "rejected",
    "no_quote",
    "in_flight",
    "not_proposed",
    "variant_deleted",
    "not_found",
)


@dataclass(frozen=True)
class Skip:
    """A product "Update Shopify" leaves alone: ``reason`` (one of ``REASONS``) and why."""

    product_id: int
    reason: str
    message: str
    change_id: int | None = None
    held_reason: str | None = None

    @property
    def code(self) -> str:
        """The error code of a single-product push refused for this reason."""
        if self.reason == "held":
            return "manual_override" if self.held_reason == "manual_override" else "change_held"
        codes = {"rejected": "change_rejected", "not_proposed": "no_change"}
        return codes.get(self.reason, self.reason)

    def as_json(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "change_id": self.change_id,
            "reason": self.reason,
            "held_reason": self.held_reason,
            "message": self.message,
        }


def _amount(value: Decimal | None, currency: str | None) -> str:
    return f"{money(value)} {currency or ''}".strip() if value is not None else "no price"


def override_message(product: Product, currency: str | None) -> str:
    """The hold of a hand-edited product, and how to hand it back."""
    price = _amount(product.manual_override_price, currency)
    return (
        f"This product's price was set by hand in Shopify ({price}), so PriceBridge leaves it "
        "alone. To hand it back, choose \"Use PriceBridge's price\" on the product's page."
    )


def blocked(shop: Shop, product: Product) -> Skip | None:
    """What stops any push of ``product`` whatever its changes: a deleted variant, a hand edit."""
    if product.status == "variant_deleted":
        message = product.status_reason or "The Shopify variant of this product was deleted."
        return Skip(product.id, "variant_deleted", message)
    if product.manual_override_at is not None:
        message = override_message(product, shop.currency)
        return Skip(product.id, "held", message, held_reason="manual_override")
    return None


def held(change: PriceChange) -> Skip:
    message = (change.rule or {}).get("held_message") or "This change is held."
    return Skip(change.product_id, "held", str(message), change.id, change.held_reason)


def explain(shop: Shop, product: Product) -> Skip:
    """Why ``product`` has no open change: what is really the case."""
    newest = db.session.scalar(
        select(PriceChange)
        .where(PriceChange.product_id == product.id)
        .order_by(PriceChange.id.desc())
        .limit(1)
    )
    cur = shop.currency
    if newest is not None and newest.state == "pushing":
        price = _amount(newest.proposed_price, newest.currency)
        return Skip(product.id, "in_flight", f"{price} is being written to Shopify now.", newest.id)
    observation = latest_observation(product.id)
    if observation is None:
        message = "PriceBridge has no Amazon price for this product yet; it proposes one then."
        return Skip(product.id, "no_quote", message)
    rules = shop_rules(shop)
    result = quote_product(shop, product, observation, rules)
    if result.proposed_price is None:
        reason = result.held_reason.value if result.held_reason else None
        return Skip(product.id, "held", result.held_message or "No price.", None, reason)
    price, current = _amount(result.proposed_price, cur), _amount(product.shopify_price, cur)
    if result.proposed_price == product.shopify_price:
        return Skip(product.id, "in_sync", f"Shopify already has this product's price ({price}).")
    fingerprint = quote_fingerprint(observation, rules, product_overrides(product), result)
    rejected = newest is not None and newest.state == "rejected"
    if rejected and newest is not None and newest.quote_fingerprint == fingerprint:
        message = (
            f"You rejected {price} for this product (change {newest.id}); Shopify keeps"
            f" {current}. PriceBridge proposes a price again when Amazon's price or your"
            " rules change."
        )
        return Skip(product.id, "rejected", message, newest.id)
    if result.is_held:
        reason = result.held_reason.value if result.held_reason else None
        return Skip(product.id, "held", result.held_message or "Held.", None, reason)
    message = (
        f"No change is waiting: the current rules give {price} and Shopify has {current};"
        " PriceBridge proposes it with the next Amazon reading."
    )
    return Skip(product.id, "not_proposed", message)
