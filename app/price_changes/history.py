"""Reading the outbox back: a shop's price changes, newest first, each with its transitions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import PriceChange, PriceChangeEvent
from app.price_changes.ledger import change_json


def list_changes(
    shop_id: int,
    *,
    limit: int,
    before_id: int | None = None,
    state: str | None = None,
    product_id: int | None = None,
) -> list[PriceChange]:
    """Up to ``limit`` changes of the shop, newest (highest id) first, older than ``before_id``."""
    statement = select(PriceChange).where(PriceChange.shop_id == shop_id)
    if before_id is not None:
        statement = statement.where(PriceChange.id < before_id)
    if state is not None:
        statement = statement.where(PriceChange.state == state)
    if product_id is not None:
        statement = statement.where(PriceChange.product_id == product_id)
    return list(db.session.scalars(statement.order_by(PriceChange.id.desc()).limit(limit)))


def get_change(shop_id: int, change_id: int) -> PriceChange | None:
    """The change if it belongs to the shop (another shop's change is not found)."""
    return db.session.scalar(
        select(PriceChange).where(PriceChange.id == change_id, PriceChange.shop_id == shop_id)
    )


def transitions(changes: Sequence[PriceChange]) -> dict[int, list[dict[str, Any]]]:
    """Each change's audited transitions, oldest first (one query for the whole page)."""
    by_change: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not changes:
        return by_change
    events = db.session.scalars(
        select(PriceChangeEvent)
        .where(PriceChangeEvent.price_change_id.in_([c.id for c in changes]))
        .order_by(PriceChangeEvent.at, PriceChangeEvent.id)
    )
    for event in events:
        by_change[event.price_change_id].append(
            {
                "from": event.from_state,
                "to": event.to_state,
                "actor": event.actor,
                "at": event.at.isoformat(),
                "detail": event.detail,
            }
        )
    return by_change


def changes_json(changes: Sequence[PriceChange]) -> list[dict[str, Any]]:
    """The changes as the API shows them, each with its ``transitions``."""
    log = transitions(changes)
    return [{**change_json(c), "transitions": log.get(c.id, [])} for c in changes]
