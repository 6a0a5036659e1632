"""What product answers carry about pricing: proposed price, Shopify price, the change's state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple

from sqlalchemy import ColumnElement, Label, func, select, text

from app.extensions import db
from app.models import PriceChange, Product
from app.models.price_change import OPEN_STATES
from app.models.types import one_of
from app.price_changes.ledger import money, percent

OPEN = OPEN_STATES
# The WHERE of ix_price_change_live (app/models/price_change.py).
LIVE: Final = "state <> 'superseded'"


class ChangeBrief(NamedTuple):
    """What a product answer shows of its latest change (money as Decimal, times UTC)."""

    id: int
    state: str
    proposed_price: Decimal
    compare_at_price: Decimal | None
    confirmed_price: Decimal | None
    held_reason: str | None
    held_message: str | None
    error: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, change: PriceChange) -> ChangeBrief:
        return cls(
            change.id,
            change.state,
            change.proposed_price,
            change.compare_at_price,
            change.confirmed_price,
            change.held_reason,
            (change.rule or {}).get("held_message"),
            change.error,
            change.updated_at,
        )


# The columns a row-based page selects for ChangeBrief, in its field order, labelled
# change_<field> (a product row joined to its latest change: `summary_of_row`).
CHANGE_BRIEF_COLUMNS: Final[tuple[Label[Any], ...]] = tuple(
    column.label(f"change_{name}")
    for name, column in zip(
        ChangeBrief._fields,
        (
            PriceChange.id,
            PriceChange.state,
            PriceChange.proposed_price,
            PriceChange.compare_at_price,
            PriceChange.confirmed_price,
            PriceChange.held_reason,
            PriceChange.rule["held_message"].as_string(),
            PriceChange.error,
            PriceChange.updated_at,
        ),
        strict=True,
    )
)
# The product columns `_summary` reads.
SUMMARY_PRODUCT_COLUMNS: Final = (
    Product.shopify_price,
    Product.manual_override_at,
    Product.manual_override_price,
    Product.price_hold_reason,
    Product.price_hold_message,
    Product.price_drift_at,
    Product.markup_override_percent,
    Product.status,
    Product.inventory_set_aside,
)


def latest_change_id(product_id: Any) -> ColumnElement[Any]:
    """SQL for the id of the change a product's pricing shows: its open change, else its
    newest change that is not superseded (NULL: none). Two index probes, whatever the
    history's length (see `_latest_changes`); correlated to the enclosing query's product."""
    open_id = _max_id(product_id, one_of("state", OPEN_STATES))
    return func.coalesce(open_id, _max_id(product_id, LIVE))


def summary_of_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Pricing fields from a row's SUMMARY_PRODUCT_COLUMNS and CHANGE_BRIEF_COLUMNS by name
    (the change's are NULL when the product has none)."""
    change = None
    if fields["change_id"] is not None:
        change = ChangeBrief(*(fields[f"change_{name}"] for name in ChangeBrief._fields))
    return _summary(fields, change)


def _latest_changes(product_ids: list[int]) -> dict[int, PriceChange]:
    """Per product: its open change, else its newest change that is not superseded.

    One query whose cost is two index probes per product, whatever the history's length: the
    open change through uq_price_change_open_per_product (at most one per product), the newest
    live one through ix_price_change_live. The predicates are spelled exactly as the partial
    indexes' WHERE clauses, so the planner can use them with any bound values.
    """
    ids = select(latest_change_id(Product.id)).where(Product.id.in_(product_ids))
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
    return {
        product.id: _summary(
            {column.key: getattr(product, column.key) for column in SUMMARY_PRODUCT_COLUMNS},
            None if product.id not in changes else ChangeBrief.of(changes[product.id]),
        )
        for product in products
    }


def _summary(p: Mapping[str, Any], change: ChangeBrief | None) -> dict[str, Any]:
    """`p`: SUMMARY_PRODUCT_COLUMNS by name."""
    overridden = p["manual_override_at"] is not None
    hold = p["price_hold_reason"]
    return {
        "proposed_price": money(change.proposed_price) if change is not None else None,
        "shopify_price": money(p["shopify_price"]),
        "change_state": change.state if change is not None else None,
        "change": None if change is None else _change_brief(change),
        "manual_override": (
            {
                "at": p["manual_override_at"].isoformat(),
                "price": money(p["manual_override_price"]),
            }
            if overridden and p["manual_override_at"] is not None
            else None
        ),
        "price_hold": (
            None if hold is None else {"reason": hold, "message": p["price_hold_message"]}
        ),
        "price_drift_at": p["price_drift_at"].isoformat() if p["price_drift_at"] else None,
        "markup_override_percent": (
            None if p["markup_override_percent"] is None else percent(p["markup_override_percent"])
        ),
        "paused": p["status"] == "paused",
        "stock_set_aside": p["inventory_set_aside"] is not None,
    }


def _change_brief(change: ChangeBrief) -> dict[str, Any]:
    return {
        "id": change.id,
        "state": change.state,
        "proposed_price": money(change.proposed_price),
        "compare_at_price": money(change.compare_at_price),
        "confirmed_price": money(change.confirmed_price),
        "held_reason": change.held_reason,
        "held_message": change.held_message,
        "error": change.error,
        "updated_at": change.updated_at.isoformat() if change.updated_at else None,
    }
