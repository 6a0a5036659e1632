"""A person's decisions on changes: approve ("Update Shopify"), reject, in bulk too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import PriceChange
from app.price_changes.ledger import commit_and_publish, move
from app.price_changes.state import ChangeState, InvalidTransition
from app.push import jobs as push_jobs

S = ChangeState
MAX_BULK = 5000


class ApprovalError(ValueError):
    """A decision the change's state does not allow; ``code`` and the message say why."""

    def __init__(self, code: str, message: str, change: PriceChange | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.change = change


def shop_change(shop_id: int, change_id: int) -> PriceChange | None:
    """The change, locked, if it belongs to the shop (another shop's change is not found)."""
    return db.session.scalar(
        select(PriceChange)
        .where(PriceChange.id == change_id, PriceChange.shop_id == shop_id)
        .with_for_update()
    )


def open_change_of(shop_id: int, product_id: int) -> PriceChange | None:
    return db.session.scalar(
        select(PriceChange)
        .where(
            PriceChange.shop_id == shop_id,
            PriceChange.product_id == product_id,
            PriceChange.state.in_(("proposed", "approved", "held", "failed")),
        )
        .order_by(PriceChange.id.desc())
        .limit(1)
        .with_for_update()
    )


def _approve(change: PriceChange, actor: str, now: datetime) -> None:
    if change.state == S.APPROVED.value:
        return
    if change.state == S.HELD.value:
        message = (change.rule or {}).get("held_message") or "This change is held."
        raise ApprovalError("change_held", str(message), change)
    try:
        move(change, S.APPROVED, actor=actor, now=now, detail={"reason": "approved"})
    except InvalidTransition as error:
        raise ApprovalError("invalid_transition", str(error), change) from None


def approve(shop_id: int, change: PriceChange, *, actor: str, now: datetime) -> PriceChange:
    """Approve one change and enqueue its push (after the commit)."""
    _approve(change, actor, now)
    commit_and_publish()
    push_jobs.push_shop_changes.enqueue(shop_id)
    return change


def reject(change: PriceChange, *, actor: str, now: datetime) -> PriceChange:
    try:
        move(change, S.SUPERSEDED, actor=actor, now=now, detail={"reason": "rejected"})
    except InvalidTransition as error:
        raise ApprovalError("invalid_transition", str(error), change) from None
    commit_and_publish()
    return change


def approve_many(
    shop_id: int,
    *,
    actor: str,
    now: datetime,
    product_ids: Sequence[int] | None = None,
    states: Sequence[str] = ("proposed",),
) -> tuple[list[PriceChange], list[PriceChange]]:
    """Approve the shop's changes in ``states`` (optionally only for ``product_ids``).

    Returns (approved, skipped): held changes and ones another decision moved are skipped,
    never half-approved.
    """
    query = select(PriceChange).where(
        PriceChange.shop_id == shop_id, PriceChange.state.in_(list(states))
    )
    if product_ids is not None:
        query = query.where(PriceChange.product_id.in_(list(product_ids)))
    rows = db.session.scalars(
        query.order_by(PriceChange.id).limit(MAX_BULK).with_for_update(skip_locked=True)
    ).all()
    approved, skipped = [], []
    for change in rows:
        try:
            _approve(change, actor, now)
            approved.append(change)
        except ApprovalError:
            skipped.append(change)
    commit_and_publish()
    if approved:
        push_jobs.push_shop_changes.enqueue(shop_id)
    return approved, skipped
