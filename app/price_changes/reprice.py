"""Repricing one product: quote it, supersede what the quote displaces, insert the change.

Nothing here commits: callers (`app.price_changes.propose`, `app.price_changes.settings`) lock
the product rows first and commit, publish and enqueue afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Observation, PriceChange, Product, Shop
from app.price_changes.idempotency import idempotency_key
from app.price_changes.ledger import move, record_created
from app.price_changes.quote import (
    product_overrides,
    quote_fingerprint,
    quote_product,
    rule_snapshot,
    shop_rules,
)
from app.price_changes.state import AUTO_ACTOR, ChangeRef, ChangeState, choose_superseded
from app.pricing.rules import PricingRules, Quote, may_auto_push

S = ChangeState
# Changes that still matter to the supersede rule (pushed ones only through the newest).
LIVE_STATES = (S.PROPOSED, S.APPROVED, S.HELD, S.FAILED, S.PUSHING)


@dataclass(frozen=True)
class Repriced:
    change: PriceChange | None
    approved: bool


def reprice(
    shop: Shop,
    product: Product,
    observation: Observation,
    *,
    actor: str,
    now: datetime,
    refs: list[tuple[PriceChange, ChangeRef]] | None = None,
) -> Repriced:
    """Quote ``product`` from ``observation`` and update its outbox (no commit).

    ``refs`` are the product's changes as ``refs_of`` reads them, when the caller locked and
    read them already (for many products in one query); by default they are read here.
    """
    settled = settle(shop, product, observation, actor=actor, now=now, refs=refs)
    if isinstance(settled, Repriced):
        return settled
    db.session.flush()  # frees the open-change slot before the insert
    if settled is None:
        return Repriced(None, False)
    snapshot = rule_snapshot(settled.rules, settled.result)
    change = insert_change(
        shop, product, observation, settled.result, snapshot, now,
        fingerprint=settled.fingerprint,
    )  # fmt: skip
    db.session.flush()
    return after_insert(change, product, settled, actor=actor, now=now)


@dataclass(frozen=True)
class Proposal:
    """A quote that becomes a new change once the session is flushed."""

    rules: PricingRules
    result: Quote
    fingerprint: str


def settle(
    shop: Shop,
    product: Product,
    observation: Observation,
    *,
    actor: str,
    now: datetime,
    refs: list[tuple[PriceChange, ChangeRef]] | None,
) -> Repriced | Proposal | None:
    """Quote and supersede what the quote displaces: the outcome when nothing more is to be
    done, None when only the supersessions are, or the change to insert after a flush."""
    rules = shop_rules(shop)
    result = quote_product(shop, product, observation, rules)
    fingerprint = quote_fingerprint(observation, rules, product_overrides(product), result)
    refs = refs_of([product])[product.id] if refs is None else refs
    if _rejected_before(refs, fingerprint):
        return Repriced(None, False)  # the merchant said no to this very quote
    open_change = next((c for c, _ in refs if c.state in ("proposed", "approved", "held")), None)
    new_ref = ChangeRef(None, product.shopify_variant_gid, S.PROPOSED, observation.observed_at, now)
    decision = choose_superseded([ref for _, ref in refs], new_ref)
    if decision.new_is_outdated:
        return Repriced(None, False)
    product.price_hold_reason = None if result.proposed_price else _reason(result)
    product.price_hold_message = None if result.proposed_price else result.held_message
    if open_change is not None and _same_outcome(open_change, result):
        open_change.observation_id = observation.id  # confirmed by a newer observation
        return Repriced(None, False)
    unchanged = not result.is_held and result.proposed_price == product.shopify_price
    displaced = {ref.change_id for ref in decision.superseded}
    why = "shopify_already_at_price" if unchanged else "newer_quote"
    for change, _ in refs:
        if change.id in displaced:
            move(change, S.SUPERSEDED, actor=actor, now=now, detail={"reason": why})
    if result.proposed_price is None or unchanged:
        return None
    return Proposal(rules, result, fingerprint)


def _rejected_before(refs: list[tuple[PriceChange, ChangeRef]], fingerprint: str) -> bool:
    """Whether the product's newest change is one the merchant rejected, for this quote."""
    newest = max((change for change, _ in refs), key=lambda change: change.id, default=None)
    return (
        newest is not None
        and newest.state == S.REJECTED.value
        and newest.quote_fingerprint == fingerprint
    )


def after_insert(
    change: PriceChange, product: Product, proposal: Proposal, *, actor: str, now: datetime
) -> Repriced:
    """Audit a change just inserted (flushed) and approve it when the tolerance allows."""
    record_created(change, actor=actor, now=now)
    approved = may_auto_push(proposal.result, product.shopify_price, proposal.rules)
    if approved:
        move(change, S.APPROVED, actor=AUTO_ACTOR, now=now, detail={"reason": "within_tolerance"})
    return Repriced(change, approved)


def _same_outcome(change: PriceChange, result: Quote) -> bool:
    return (
        change.proposed_price == result.proposed_price
        and change.compare_at_price == result.compare_at_price
        and change.held_reason == (result.held_reason.value if result.held_reason else None)
    )


def _reason(result: Quote) -> str | None:
    return result.held_reason.value if result.held_reason else None


def insert_change(
    shop: Shop,
    product: Product,
    observation: Observation,
    result: Quote,
    rules_snapshot: dict[str, object],
    now: datetime,
    key: str | None = None,
    *,
    fingerprint: str | None = None,
) -> PriceChange:
    assert result.proposed_price is not None
    change = PriceChange(
        shop_id=shop.id,
        product_id=product.id,
        observation_id=observation.id,
        state=(S.HELD if result.is_held else S.PROPOSED).value,
        proposed_price=result.proposed_price,
        compare_at_price=result.compare_at_price,
        previous_price=product.shopify_price,
        currency=shop.currency or observation.currency or "XXX",
        rule=rules_snapshot,
        held_reason=_reason(result),
        quote_fingerprint=fingerprint,
        idempotency_key=key or free_keys([(shop, product, result, observation)])[0],
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(change)
    return change


def refs_of(products: list[Product]) -> dict[int, list[tuple[PriceChange, ChangeRef]]]:
    """The changes of locked products that matter to superseding, locked too (a push claiming
    one of them commits before we read it: never overwrite it), oldest first per product;
    with the newest pushed and the newest rejected change of each."""
    if not products:
        return {}
    ids = sorted(product.id for product in products)
    observed = select(Observation.observed_at).where(Observation.id == PriceChange.observation_id)
    newest_decided = (
        select(func.max(PriceChange.id))
        .where(
            PriceChange.product_id.in_(ids),
            PriceChange.state.in_((S.PUSHED.value, S.REJECTED.value)),
        )
        .group_by(PriceChange.product_id, PriceChange.state)
    )
    rows = db.session.execute(
        select(PriceChange, observed.scalar_subquery())
        .where(
            PriceChange.product_id.in_(ids),
            PriceChange.state.in_([s.value for s in LIVE_STATES])
            | PriceChange.id.in_(newest_decided),
        )
        .order_by(PriceChange.product_id, PriceChange.id)
        .with_for_update(of=PriceChange)
        .execution_options(populate_existing=True)
    ).all()
    by_id = {product.id: product for product in products}
    refs: dict[int, list[tuple[PriceChange, ChangeRef]]] = {product_id: [] for product_id in ids}
    for change, at in rows:
        refs[change.product_id].append((change, ref_for(change, by_id[change.product_id], at)))
    return refs


def ref_for(change: PriceChange, product: Product, observed_at: datetime | None) -> ChangeRef:
    return ChangeRef(
        change_id=change.id,
        variant_gid=product.shopify_variant_gid,
        state=ChangeState(change.state),
        observed_at=observed_at or change.created_at,
        created_at=change.created_at,
    )


def free_keys(wanted: list[tuple[Shop, Product, Quote, Observation]]) -> list[str]:
    """Idempotency keys for new changes, one lookup per suffix tried (nearly always one).

    The same price from the same observation can come back after a rule went and returned;
    the second change is a new write, so it gets a key of its own (a numbered suffix).
    """
    chosen: list[str | None] = [None] * len(wanted)
    taken: set[str] = set()
    for suffix in ["", *(f"-{attempt}" for attempt in range(1, 99))]:
        candidates = {
            i: _key(*change, suffix) for i, change in enumerate(wanted) if chosen[i] is None
        }
        if not candidates:
            break
        lookup = select(PriceChange.idempotency_key).where(
            PriceChange.idempotency_key.in_(list(candidates.values()))
        )
        taken.update(db.session.scalars(lookup))
        for i, key in candidates.items():
            if key not in taken:
                chosen[i] = key
                taken.add(key)
    if None in chosen:
        product = wanted[chosen.index(None)][1]
        raise RuntimeError(f"no free idempotency key for product {product.id}")
    return [key for key in chosen if key is not None]


def _key(shop: Shop, product: Product, result: Quote, observation: Observation, suffix: str) -> str:
    assert result.proposed_price is not None  # only priced quotes become changes
    return idempotency_key(
        shop.id, product.shopify_variant_gid, result.proposed_price, f"{observation.id}{suffix}"
    )
