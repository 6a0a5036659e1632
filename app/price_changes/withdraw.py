"""Changes whose Shopify variant is gone: nothing can be pushed for them any more.

When Shopify reports a linked variant deleted (products/delete, products/update without it,
or a push answered PRODUCT_VARIANT_DOES_NOT_EXIST) the product stops (``variant_deleted``)
and its open changes are superseded with that reason, so none waits for a push that cannot
land. Runs inside the caller's transaction: no commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import PriceChange, Product
from app.price_changes.ledger import move
from app.price_changes.state import AUTO_ACTOR, ChangeState
from app.shopify import signals

S = ChangeState
OPEN = (S.PROPOSED.value, S.APPROVED.value, S.HELD.value, S.FAILED.value)


def mark_variant_deleted(product: Product, reason: str) -> None:
    """The product stops being polled or pushed; ``reason`` says what Shopify reported."""
    product.status = "variant_deleted"
    product.status_reason = reason


def withdraw_changes(product_ids: Sequence[int], *, now: datetime) -> int:
    """Supersede the open changes of products whose variant is gone; returns how many."""
    if not product_ids:
        return 0
    changes = db.session.scalars(
        select(PriceChange)
        .where(PriceChange.product_id.in_(list(product_ids)), PriceChange.state.in_(OPEN))
        .order_by(PriceChange.id)
        .with_for_update()
    ).all()
    for change in changes:
        move(change, S.SUPERSEDED, actor=AUTO_ACTOR, now=now, detail={"reason": "variant_deleted"})
    return len(changes)


def variants_deleted(products: Sequence[Product], reason: str, *, now: datetime) -> None:
    """Mark each product ``variant_deleted`` and withdraw its open changes."""
    for product in products:
        mark_variant_deleted(product, reason)
    withdraw_changes([product.id for product in products], now=now)


def on_variants_deleted(products: list[Product], *, reason: str, now: datetime) -> None:
    """Receiver of `app.shopify.signals.variants_deleted`."""
    variants_deleted(products, reason, now=now)


def connect() -> None:
    """Called by `create_app`: react to variants Shopify deleted."""
    signals.variants_deleted.connect(on_variants_deleted)
