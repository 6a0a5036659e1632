"""Out of stock on Amazon: set the Shopify stock to 0, and give it back when Amazon restocks.

The quantities set aside are written to the product BEFORE the mutation, with the idempotency
key the mutation will use, so a retried job sends the very same request (Shopify answers a
repeated ``@idempotent`` key with the first answer) and a crash never loses the stock.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Product, Shop
from app.pricing.quote_service import latest_observation
from app.shopify.graphql.operations import QuantityChange, available_by_location, set_available
from app.shopify.graphql.shop_client import admin_client

OUT_OF_STOCK = frozenset({"out_of_stock", "unavailable"})
IN_STOCK = frozenset({"in_stock", "low_stock", "delayed"})
STALE = "CHANGE_FROM_QUANTITY_STALE"


class InventoryError(RuntimeError):
    """Shopify refused a stock change for a reason that needs a person."""


def stock_action_needed(shop: Shop, product: Product, availability: str) -> bool:
    """Whether the product's Shopify stock must be zeroed or restored now."""
    if product.shopify_inventory_item_gid is None:
        return False
    if availability in OUT_OF_STOCK:
        return shop.out_of_stock_action == "zero_inventory" and product.inventory_set_aside is None
    return availability in IN_STOCK and product.inventory_set_aside is not None


def _key(kind: str, product: Product, locations: dict[str, int]) -> str:
    material = f"{kind}|{product.id}|{sorted(locations.items())}"
    return f"pricebridge-{kind}-{hashlib.sha256(material.encode()).hexdigest()[:24]}"


def sync_inventory(product_id: int) -> str:
    """Zero or restore one product's stock as its latest observation asks; says what it did."""
    product = db.session.scalar(select(Product).where(Product.id == product_id).with_for_update())
    if product is None or product.shopify_inventory_item_gid is None:
        return "nothing"
    shop = db.session.get(Shop, product.shop_id)
    latest = latest_observation(product.id)
    if (
        shop is None
        or latest is None
        or not stock_action_needed(shop, product, latest.availability)
    ):
        return "nothing"
    if latest.availability in OUT_OF_STOCK:
        return _zero(shop, product)
    return _restore(shop, product)


def _zero(shop: Shop, product: Product) -> str:
    client = admin_client(shop)
    item = product.shopify_inventory_item_gid
    assert item is not None
    stock = {loc: qty for loc, qty in available_by_location(client, item).items() if qty > 0}
    aside: dict[str, Any] = {"locations": stock, "key": _key("oos", product, stock)}
    product.inventory_set_aside = aside
    db.session.commit()  # remembered before Shopify forgets it
    if stock:
        changes = [QuantityChange(loc, qty, 0) for loc, qty in stock.items()]
        errors = set_available(
            client,
            item,
            changes,
            key=aside["key"],
            reference=f"gid://pricebridge/Product/{product.id}",
        )
        if errors:
            raise InventoryError(f"zeroing stock of product {product.id} refused: {errors}")
    return "zeroed"


def _restore(shop: Shop, product: Product) -> str:
    client = admin_client(shop)
    item = product.shopify_inventory_item_gid
    assert item is not None
    assert product.inventory_set_aside is not None
    stock: dict[str, int] = dict(product.inventory_set_aside.get("locations", {}))
    if stock:
        changes = [QuantityChange(loc, 0, qty) for loc, qty in stock.items()]
        errors = set_available(
            client,
            item,
            changes,
            key=_key("restock", product, stock),
            reference=f"gid://pricebridge/Product/{product.id}",
        )
        # A stale compare-and-swap means someone changed the stock meanwhile: theirs wins.
        if any(e.get("code") != STALE for e in errors):
            raise InventoryError(f"restoring stock of product {product.id} refused: {errors}")
    product.inventory_set_aside = None
    db.session.commit()
    return "restored"
