"""Prices seen in products/update: ours coming back (an echo), or one set by hand.

A price PriceBridge did not write marks the product *manually overridden*: nothing is pushed
over it until the merchant hands it back. Ours is recognised by the Redis marker set just
before the push, or by the price of the product's latest pushing/pushed change (the marker
may have expired, or Redis restarted). The product's open change is held at once
(``manual_override``), so "Update Shopify" cannot approve a push over the hand-set price.
Runs inside the webhook job's transaction: no commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.price_changes.ledger import move
from app.price_changes.readiness import override_message
from app.price_changes.state import AUTO_ACTOR, ChangeState
from app.shopify import signals

# How long the echo of our own write (products/update) is recognised by the marker alone.
ECHO_MARKER_SECONDS = 900


def echo_key(shop_id: int, variant_gid: str) -> str:
    """The Redis key `app.push` sets to the price it is about to write, for
    ``ECHO_MARKER_SECONDS``, so that write's products/update is known as ours."""
    return f"pricebridge:pricing:pushed:{shop_id}:{variant_gid}"


def _our_latest_write(product: Product) -> set[Decimal]:
    change = db.session.scalar(
        select(PriceChange)
        .where(
            PriceChange.product_id == product.id,
            PriceChange.state.in_(("pushing", "pushed")),
        )
        .order_by(PriceChange.id.desc())
        .limit(1)
    )
    if change is None:
        return set()
    return {p for p in (change.proposed_price, change.confirmed_price) if p is not None}


def is_our_echo(shop: Shop, product: Product, price: Decimal) -> bool:
    marker = current_broker().redis.get(echo_key(shop.id, product.shopify_variant_gid))
    if marker is not None:
        text = marker.decode() if isinstance(marker, bytes) else str(marker)
        if Decimal(text) == price:
            return True
    return price in _our_latest_write(product)


def record_shopify_prices(
    shop: Shop, variant_prices: Iterable[tuple[str, Decimal, datetime]]
) -> list[int]:
    """Store each linked variant's Shopify price; return the products newly overridden."""
    overridden: list[int] = []
    for gid, price, at in variant_prices:
        product = db.session.scalar(
            select(Product)
            .where(Product.shop_id == shop.id, Product.shopify_variant_gid == gid)
            .with_for_update()
        )
        if product is None:
            continue
        if product.shopify_price_at is not None and at < product.shopify_price_at:
            continue  # a late delivery never overwrites a later reading
        changed = product.shopify_price is not None and price != product.shopify_price
        if changed and not is_our_echo(shop, product, price):
            if product.manual_override_at is None:
                overridden.append(product.id)
            product.manual_override_at = at
            product.manual_override_price = price
            hold_open_change(shop, product)
        product.shopify_price = price
        product.shopify_price_at = at
    return overridden


def hold_open_change(shop: Shop, product: Product) -> None:
    """Hold the product's proposed or approved change: its price was set by hand."""
    change = db.session.scalar(
        select(PriceChange)
        .where(
            PriceChange.product_id == product.id,
            PriceChange.state.in_((ChangeState.PROPOSED.value, ChangeState.APPROVED.value)),
        )
        .with_for_update()
    )
    if change is None:
        return
    change.held_reason = "manual_override"
    change.rule = {**(change.rule or {}), "held_message": override_message(product, shop.currency)}
    detail = {"reason": "manual_override", "shopify_price": f"{product.manual_override_price}"}
    move(change, ChangeState.HELD, actor=AUTO_ACTOR, now=utcnow(), detail=detail)


def on_prices_seen(shop: Shop, *, prices: Iterable[tuple[str, Decimal, datetime]]) -> None:
    """Receiver of `app.shopify.signals.prices_seen` (products/update)."""
    record_shopify_prices(shop, prices)


def connect() -> None:
    """Called by `create_app`: react to the prices Shopify reports."""
    signals.prices_seen.connect(on_prices_seen)
