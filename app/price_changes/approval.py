"""A person's decisions on changes: approve ("Update Shopify"), reject, in bulk too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.price_changes.ledger import commit_and_publish, move
from app.price_changes.readiness import Skip, blocked, explain, held
from app.price_changes.signals import changes_approved
from app.price_changes.state import ChangeState, InvalidTransition

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
    shop, product = db.session.get(Shop, change.shop_id), db.session.get(Product, change.product_id)
    stop = blocked(shop, product) if shop is not None and product is not None else None
    if stop is not None:
        raise ApprovalError(stop.code, stop.message, change)
    if change.state == S.HELD.value:
        skip = held(change)
        raise ApprovalError(skip.code, skip.message, change)
    try:
        move(change, S.APPROVED, actor=actor, now=now, detail={"reason": "approved"})
    except InvalidTransition:
        raise _not_open(change) from None


def _not_open(change: PriceChange) -> ApprovalError:
    """A decision on a change that is no longer open, in the merchant's words."""
    state, price = S(change.state), f"{change.proposed_price:.2f} {change.currency}"
    if state is S.PUSHED:
        message = f"This change is already in Shopify ({price}), so it can no longer be rejected."
        return ApprovalError("already_pushed", message, change)
    if state is S.PUSHING:
        message = f"This change ({price}) is being written to Shopify now; it cannot be stopped."
        return ApprovalError("in_flight", message, change)
    if state is S.REJECTED:
        return ApprovalError("already_rejected", "This change was rejected already.", change)
    message = "A newer price replaced this change; decide on the newest one instead."
    return ApprovalError("already_superseded", message, change)


def approve(shop_id: int, change: PriceChange, *, actor: str, now: datetime) -> PriceChange:
    """Approve one change and enqueue its push (after the commit)."""
    _approve(change, actor, now)
    commit_and_publish()
    changes_approved.send(shop_id)
    return change


def reject(change: PriceChange, *, actor: str, now: datetime) -> PriceChange:
    """Reject a change not yet in Shopify: it stays ``rejected``, with who said no, and the
    same quote is not proposed again (``ApprovalError`` when the change is no longer open)."""
    try:
        move(change, S.REJECTED, actor=actor, now=now, detail={"reason": "rejected"})
    except InvalidTransition:
        raise _not_open(change) from None
    change.rejected_by = actor
    commit_and_publish()
    return change


def _decide(shop: Shop, product: Product, actor: str, now: datetime) -> PriceChange | Skip:
    """Approve ``product``'s open change (no commit), or say why there is nothing to push."""
    stop = blocked(shop, product)
    if stop is not None:
        return stop
    change = open_change_of(shop.id, product.id)
    if change is None:
        return explain(shop, product)
    if change.state == S.HELD.value:
        return held(change)
    _approve(change, actor, now)
    return change


def push_product(shop: Shop, product: Product, *, actor: str, now: datetime) -> PriceChange:
    """ "Update Shopify" for one product: its change approved and its push enqueued, or an
    ``ApprovalError`` whose code and message say what is really the case."""
    decided = _decide(shop, product, actor, now)
    if isinstance(decided, Skip):
        raise ApprovalError(decided.code, decided.message)
    commit_and_publish()
    changes_approved.send(shop.id)
    return decided


def push_products(
    shop: Shop, product_ids: Sequence[int], *, actor: str, now: datetime
) -> tuple[list[PriceChange], list[Skip]]:
    """ "Update Shopify" for many products: every id gets an outcome, approved or skipped with
    its reason (another shop's product, or none, is ``not_found``)."""
    products = {
        product.id: product
        for product in db.session.scalars(
            select(Product)
            .where(Product.shop_id == shop.id, Product.id.in_(sorted(set(product_ids))))
            .order_by(Product.id)
            .with_for_update()
        )
    }
    approved: list[PriceChange] = []
    skipped: list[Skip] = []
    for product_id in dict.fromkeys(product_ids):
        product = products.get(product_id)
        if product is None:
            message = f"No linked product {product_id} in this shop."
            skipped.append(Skip(product_id, "not_found", message))
            continue
        decided = _decide(shop, product, actor, now)
        (skipped if isinstance(decided, Skip) else approved).append(decided)  # type: ignore[arg-type]
    commit_and_publish()
    if approved:
        changes_approved.send(shop.id)
    return approved, skipped


def approve_many(
    shop: Shop, *, actor: str, now: datetime, states: Sequence[str] = ("proposed",)
) -> tuple[list[PriceChange], list[Skip]]:
    """Approve every change of the shop in ``states``; the ones that must not go are skipped
    with their reason, never half-approved."""
    rows = db.session.scalars(
        select(PriceChange)
        .where(PriceChange.shop_id == shop.id, PriceChange.state.in_(list(states)))
        .order_by(PriceChange.id)
        .limit(MAX_BULK)
        .with_for_update(skip_locked=True)
    ).all()
    approved: list[PriceChange] = []
    skipped: list[Skip] = []
    for change in rows:
        try:
            _approve(change, actor, now)
            approved.append(change)
        except ApprovalError as error:
            skipped.append(_skip_of(change, error))
    commit_and_publish()
    if approved:
        changes_approved.send(shop.id)
    return approved, skipped


def _skip_of(change: PriceChange, error: ApprovalError) -> Skip:
    if error.code == "manual_override":
        return Skip(change.product_id, "held", str(error), change.id, "manual_override")
    if error.code == "change_held":
        return held(change)
    if error.code == "variant_deleted":
        return Skip(change.product_id, "variant_deleted", str(error), change.id)
    raise error  # a proposed or failed change may only be blocked for the reasons above
