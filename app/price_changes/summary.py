"""What product answers carry about pricing: proposed price, Shopify price, the change's state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import PriceChange, Product
from app.models.price_change import OPEN_STATES
from app.models.types import one_of
from app.price_changes.ledger import money, percent

OPEN = OPEN_STATES
# The WHERE of ix_price_change_live (app/models/price_change.py).
LIVE: Final = "state <> 'superseded'"


def _latest_changes(product_ids: list[int]) -> dict[int, PriceChange]:
    """Per product: its open change, else its newest change that is not superseded.

    One query whose cost is two index probes per product, whatever the history's length: the
    open change through uq_price_change_open_per_product (at most one per product), the newest
    live one through ix_price_change_live. The predicates are spelled exactly as the partial
    indexes' WHERE clauses, so the planner can use them with any bound values.
    """
    ids = select(
        func.coalesce(_max_id(Product.id, one_of("state", OPEN_STATES)), _max_id(Product.id, LIVE))
    ).where(Product.id.in_(product_ids))
    rows = db.session.scalars(select(PriceChange).where(PriceChange.id.in_(ids.scalar_subquery())))
    return {change.product_id: change for change in rows}


def _max_id(product_id: Any, where: str) -> Any:
    return (
        select(func.max(PriceChange.id))
        .where(PriceChange.product_id == product_id, text(where))
        .correlate(Product)
        .scalar_subquery()
    )


def pricing_summary(product_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Pricing fields for each product id (ids not found are left out). Two queries."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    return pricing_summaries(list(db.session.scalars(select(Product).where(Product.id.in_(ids)))))


def pricing_summaries(products: Sequence[Product]) -> dict[int, dict[str, Any]]:
    """Pricing fields for products already loaded: one query (their latest changes)."""
    if not products:
        return {}
    changes = _latest_changes([product.id for product in products])
    return {product.id: _summary(product, changes.get(product.id)) for product in products}


def _summary(product: Product, change: PriceChange | None) -> dict[str, Any]:
    overridden = product.manual_override_at is not None
    hold = product.price_hold_reason
    return {
        "proposed_price": money(change.proposed_price) if change is not None else None,
        "shopify_price": money(product.shopify_price),
        "change_state": change.state if change is not None else None,
        "change": None if change is None else _change_brief(change),
        "manual_override": (
            {
                "at": product.manual_override_at.isoformat(),
                "price": money(product.manual_override_price),
            }
            if overridden and product.manual_override_at is not None
            else None
        ),
        "price_hold": (
            None if hold is None else {"reason": hold, "message": product.price_hold_message}
        ),
        "price_drift_at": product.price_drift_at.isoformat() if product.price_drift_at else None,
        "markup_override_percent": (
            None
            if product.markup_override_percent is None
            else percent(product.markup_override_percent)
        ),
        "paused": product.status == "paused",
        "stock_set_aside": product.inventory_set_aside is not None,
    }


def _change_brief(change: PriceChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "state": change.state,
        "proposed_price": money(change.proposed_price),
        "compare_at_price": money(change.compare_at_price),
        "confirmed_price": money(change.confirmed_price),
        "held_reason": change.held_reason,
        "held_message": (change.rule or {}).get("held_message"),
        "error": change.error,
        "updated_at": change.updated_at.isoformat() if change.updated_at else None,
    }
