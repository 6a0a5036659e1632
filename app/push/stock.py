"""Out of stock on Amazon: set the Shopify stock to 0, and give it back when Amazon restocks.

The quantities set aside are written to the product BEFORE the mutation, with the idempotency
keys the mutations will use, and marked ``applied`` only once Shopify confirmed the zeroing.
A job retried after a crash therefore sends the very same request again (Shopify answers a
repeated ``@idempotent`` key with the first answer instead of applying it twice), and a crash
never loses the stock. Every episode (zero, then restore) gets keys of its own, so the next
time the product runs out is a new write, not a replay.

The product is locked from just before each write until what it did is committed, so a merchant
unlinking it (or shop/redact erasing the shop) meanwhile waits for the write, or comes first:
then nothing is written, nor sent, and the sync ends (``nothing``); so does one for a shop
uninstalled since the job began.

``changeFromQuantity`` makes each write a compare-and-swap. When someone changed the stock
between our read and our write (a sale, the merchant):
- zeroing reads the stock back and tries once more (a sale is the common case and zero is
  still right); stale twice, it gives up, sets nothing aside and publishes an ``error`` event;
- restoring leaves the stock as they set it (whatever they did while we held it at 0 was
  deliberate, and adding ours on top could oversell) and publishes an ``error`` event saying
  what it would have restored.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Product, Shop
from app.models.product import OUT_OF_STOCK, stock_action_needed
from app.price_changes.quote import latest_observation
from app.realtime.events import publish_event
from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.operations import QuantityChange, available_by_location, set_available
from app.shopify.graphql.shop_client import admin_client

STALE = "CHANGE_FROM_QUANTITY_STALE"
ZERO_ATTEMPTS = 2


class InventoryError(RuntimeError):
    """Shopify refused a stock change for a reason that needs a person."""


def sync_stock(product_id: int) -> str:
    """Zero or restore one product's stock as its latest observation asks; says what it did."""
    product = db.session.scalar(select(Product).where(Product.id == product_id).with_for_update())
    if product is None or product.shopify_inventory_item_gid is None:
        return "nothing"
    shop = db.session.get(Shop, product.shop_id)
    latest = latest_observation(product.id)
    if (
        shop is None
        or not shop.is_installed
        or latest is None
        or not stock_action_needed(shop, product, latest.availability)
    ):
        db.session.rollback()
        return "nothing"
    if latest.availability in OUT_OF_STOCK:
        return _zero(shop, product)
    return _restore(shop, product)


def _item(product: Product) -> str:
    item = product.shopify_inventory_item_gid
    assert item is not None  # checked by sync_stock
    return item


def _set_aside(client: AdminClient, product: Product) -> dict[str, Any]:
    """Read the stock, remember it (committed) with fresh keys, before anything is written."""
    stock = available_by_location(client, _item(product))
    episode = uuid.uuid4().hex
    aside = {
        "locations": {location: qty for location, qty in stock.items() if qty > 0},
        "key": f"pricebridge-oos-{product.id}-{episode}",
        "restore_key": f"pricebridge-restock-{product.id}-{episode}",
        "applied": False,
    }
    product.inventory_set_aside = aside
    db.session.commit()
    return aside


def _write(
    client: AdminClient, product: Product, changes: list[QuantityChange], key: str
) -> list[dict[str, Any]]:
    if not changes:
        return []
    reference = f"gid://pricebridge/Product/{product.id}"
    return set_available(client, _item(product), changes, key=key, reference=reference)


def _current(product_id: int) -> tuple[Shop, Product] | None:
    """The product locked as committed now, with its shop, before a write: None when it was
    unlinked (or erased) or its shop uninstalled since the last commit."""
    product = db.session.scalar(
        select(Product)
        .where(Product.id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    shop = db.session.get(Shop, product.shop_id, populate_existing=True) if product else None
    if product is None or shop is None or not shop.is_installed:
        db.session.rollback()
        return None
    return shop, product


def _zero(shop: Shop, product: Product) -> str:
    client = admin_client(shop)
    product_id = product.id
    aside = product.inventory_set_aside
    if aside is None:
        aside = _set_aside(client, product)
    for attempt in range(1, ZERO_ATTEMPTS + 1):
        current = _current(product_id)
        if current is None:
            return "nothing"
        shop, product = current
        stock: dict[str, int] = aside["locations"]
        changes = [QuantityChange(loc, qty, 0) for loc, qty in stock.items()]
        errors = _write(client, product, changes, aside["key"])
        if not errors:
            product.inventory_set_aside = {**aside, "applied": True}
            db.session.commit()
            return "zeroed"
        if any(e.get("code") != STALE for e in errors):
            raise InventoryError(f"zeroing stock of product {product.id} refused: {errors}")
        if attempt < ZERO_ATTEMPTS:
            aside = _set_aside(client, product)  # someone sold meanwhile: read back, again
    product.inventory_set_aside = None  # nothing was zeroed (the mutation is all or nothing)
    db.session.commit()
    _flag(
        shop,
        product,
        "inventory_conflict",
        "Amazon is out of stock, but this product's Shopify stock kept changing while "
        "PriceBridge tried to set it to 0; it was left as it is and will be tried again "
        "with the next out-of-stock check.",
    )
    return "conflict"


def _restore(shop: Shop, product: Product) -> str:
    aside = product.inventory_set_aside
    assert aside is not None  # checked by stock_action_needed
    stock: dict[str, int] = dict(aside.get("locations", {}))
    changes = [QuantityChange(loc, 0, qty) for loc, qty in stock.items()]
    errors = _write(admin_client(shop), product, changes, aside["restore_key"])
    if any(e.get("code") != STALE for e in errors):
        raise InventoryError(f"restoring stock of product {product.id} refused: {errors}")
    product.inventory_set_aside = None
    db.session.commit()
    if errors and aside.get("applied"):
        held = sum(stock.values())
        _flag(
            shop,
            product,
            "inventory_restore_skipped",
            f"Amazon has stock again, but this product's Shopify stock was changed while "
            f"PriceBridge held it at 0, so PriceBridge left it as it is (it would have "
            f"restored {held}).",
        )
        return "left_as_changed"
    return "restored"


def _flag(shop: Shop, product: Product, code: str, message: str) -> None:
    """After the commit: tell the dashboard what needs a look."""
    publish_event(shop.id, "error", {"code": code, "message": message, "product_ids": [product.id]})
