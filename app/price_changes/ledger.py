"""The price_change outbox rows: audited transitions, and their events published after commit.

Every state change goes through ``move``: the pure state machine checks it, a
``price_change_event`` row records when and by whom, and a ``price_change`` event is queued
on the session; once the session commits (``commit_and_publish``, or any other commit: a
webhook job's, say) the queued events are published, and a rollback drops them, so the
dashboard never hears of a transition that was rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import PriceChange, PriceChangeEvent
from app.price_changes.state import ChangeState, record_transition
from app.realtime.events import EventKind, publish_events

_PENDING = "pricebridge.pricing.events"


def _pending() -> list[tuple[int, dict[str, Any]]]:
    pending: list[tuple[int, dict[str, Any]]] = db.session.info.setdefault(_PENDING, [])
    return pending


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def percent(value: Decimal | None) -> str | None:
    """A percentage as every answer shows it, settings and a change's rules alike: "50.00"."""
    return None if value is None else f"{value:.2f}"


def change_json(change: PriceChange) -> dict[str, Any]:
    """A change as the API and the events show it (money as decimal strings)."""
    rule = change.rule or {}
    return {
        "id": change.id,
        "product_id": change.product_id,
        "observation_id": change.observation_id,
        "state": change.state,
        "proposed_price": money(change.proposed_price),
        "compare_at_price": money(change.compare_at_price),
        "previous_price": money(change.previous_price),
        "confirmed_price": money(change.confirmed_price),
        "currency": change.currency,
        "held_reason": change.held_reason,
        "held_message": rule.get("held_message"),
        "approved_by": change.approved_by,
        "rejected_by": change.rejected_by,
        "attempts": change.attempts,
        "error": change.error,
        "idempotency_key": change.idempotency_key,
        "rule": rule,
        "created_at": change.created_at.isoformat() if change.created_at else None,
        "updated_at": change.updated_at.isoformat() if change.updated_at else None,
    }


def queue_event(change: PriceChange, *, actor: str, from_state: str | None) -> None:
    data = change_json(change)
    data.update(actor=actor, from_state=from_state)
    _pending().append((change.shop_id, data))


def record_created(change: PriceChange, *, actor: str, now: datetime) -> None:
    """The first event of a change just inserted (flushed, so it has an id)."""
    initial = ChangeState(change.state)
    db.session.add(
        PriceChangeEvent(
            shop_id=change.shop_id,
            price_change_id=change.id,
            from_state=None,
            to_state=initial.value,
            actor=actor,
            at=now,
            detail={"rule": change.rule},
        )
    )
    queue_event(change, actor=actor, from_state=None)


def move(
    change: PriceChange,
    target: ChangeState,
    *,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move ``change`` to ``target`` (raises ``InvalidTransition``), audited and announced."""
    current = ChangeState(change.state)
    record = record_transition(current, target, actor=actor, at=now)
    change.state = record.to_state.value
    change.updated_at = now
    if record.to_state is ChangeState.APPROVED:
        change.approved_by = actor
    db.session.add(
        PriceChangeEvent(
            shop_id=change.shop_id,
            price_change_id=change.id,
            from_state=record.from_state.value,
            to_state=record.to_state.value,
            actor=record.actor,
            at=record.at,
            detail=detail,
        )
    )
    queue_event(change, actor=actor, from_state=current.value)


def commit_and_publish() -> None:
    """Commit; the events of what was committed are then published (``publish_on_commit``)."""
    db.session.commit()


def _publish_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    # One round trip per shop; each shop's events keep their order (and their seq numbers).
    by_shop: dict[int, list[tuple[EventKind, Mapping[str, Any]]]] = {}
    for shop_id, data in pending:
        by_shop.setdefault(shop_id, []).append(("price_change", data))
    for shop_id, events in by_shop.items():
        publish_events(shop_id, events)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def publish_on_commit() -> None:
    """Publish queued change events after whichever commit makes them true (once per process)."""
    if not event.contains(Session, "after_commit", _publish_pending):
        event.listen(Session, "after_commit", _publish_pending)
        event.listen(Session, "after_rollback", _drop_pending)


def discard_pending() -> None:
    """Forget queued events after a rollback."""
    db.session.info.pop(_PENDING, None)
