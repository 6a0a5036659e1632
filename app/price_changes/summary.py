"""What product answers carry about pricing: proposed price, Shopify price, the change's state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import PriceChange, Product
from app.price_changes.ledger import money

OPEN = ("proposed", "approved", "held")


def _latest_changes(product_ids: list[int]) -> dict[int, PriceChange]:
    """Per product: its open change, else its newest change that is not superseded."""
    rank = (
        func.row_number()
        .over(
            partition_by=PriceChange.product_id,
            order_by=(case((PriceChange.state.in_(OPEN), 0), else_=1), PriceChange.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(PriceChange.id, rank)
        .where(PriceChange.product_id.in_(product_ids), PriceChange.state != "superseded")
        .subquery()
    )
    rows = db.session.scalars(
        select(PriceChange).join(ranked, ranked.c.id == PriceChange.id).where(ranked.c.rank == 1)
    )
    return {change.product_id: change for change in rows}


def pricing_summary(product_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Pricing fields for each product id (ids not found are left out). Two queries."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    products = db.session.scalars(select(Product).where(Product.id.in_(ids)))
    changes = _latest_changes(ids)
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
            else str(product.markup_override_percent)
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
