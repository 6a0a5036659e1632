"""Pricing service: from a new observation (or a rule change) to an audited price_change.

The sequence is always: lock the product row (one repricing of a product at a time), quote
with the pure core, supersede what the new change displaces, insert the change, approve it
automatically if the shop's tolerance allows, commit, publish, and only then enqueue the push.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Observation, PriceChange, Product, Shop
from app.models.types import utcnow
from app.pricing import jobs
from app.pricing.change_service import commit_and_publish, move, record_created
from app.pricing.idempotency import idempotency_key
from app.pricing.inventory_service import stock_action_needed
from app.pricing.quote_service import latest_observation, quote_product, rule_snapshot, shop_rules
from app.pricing.rules import PricingRules, Quote, may_auto_push
from app.pricing.state import (
    AUTO_ACTOR,
    ChangeRef,
    ChangeState,
    choose_superseded,
)

S = ChangeState
# Changes that still matter to the supersede rule (pushed ones only through the newest).
_LIVE = (S.PROPOSED, S.APPROVED, S.HELD, S.FAILED, S.PUSHING)


@dataclass(frozen=True)
class Repriced:
    change: PriceChange | None
    approved: bool


def lock_product(product_id: int) -> Product | None:
    return db.session.scalar(select(Product).where(Product.id == product_id).with_for_update())


def on_observation(product_id: int, observation_id: int) -> None:
    """Called by ingest after a trusted observation is committed: reprice the product."""
    product = lock_product(product_id)
    if product is None:
        return
    shop, observation, outcome = _reprice_observed(product, observation_id, utcnow())
    commit_and_publish()
    _after_commit(shop, product, observation, outcome)


def _after_commit(
    shop: Shop, product: Product, observation: Observation, outcome: Repriced
) -> None:
    if outcome.approved:
        jobs.push_shop_changes.enqueue(shop.id)
    if stock_action_needed(shop, product, observation.availability):
        jobs.sync_inventory.enqueue(product.id)


def _refs(product: Product) -> list[tuple[PriceChange, ChangeRef]]:
    observed = select(Observation.observed_at).where(Observation.id == PriceChange.observation_id)
    newest_pushed = (
        select(func.max(PriceChange.id))
        .where(PriceChange.product_id == product.id, PriceChange.state == S.PUSHED.value)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(PriceChange, observed.scalar_subquery())
        .where(
            PriceChange.product_id == product.id,
            PriceChange.state.in_([s.value for s in _LIVE]) | (PriceChange.id == newest_pushed),
        )
        .order_by(PriceChange.id)
        # A push claiming one of these rows commits before we read it: never overwrite it.
        .with_for_update(of=PriceChange)
        .execution_options(populate_existing=True)
    ).all()
    return [(change, ref_for(change, product, at)) for change, at in rows]


def ref_for(change: PriceChange, product: Product, observed_at: datetime | None) -> ChangeRef:
    return ChangeRef(
        change_id=change.id,
        variant_gid=product.shopify_variant_gid,
        state=ChangeState(change.state),
        observed_at=observed_at or change.created_at,
        created_at=change.created_at,
    )


def _same_outcome(change: PriceChange, result: Quote) -> bool:
    return (
        change.proposed_price == result.proposed_price
        and change.compare_at_price == result.compare_at_price
        and change.held_reason == (result.held_reason.value if result.held_reason else None)
    )


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

    ``refs`` are the product's changes as ``_refs`` reads them, when the caller locked and
    read them already (for many products in one query); by default they are read here.
    """
    settled = _settle(shop, product, observation, actor=actor, now=now, refs=refs)
    if isinstance(settled, Repriced):
        return settled
    db.session.flush()  # frees the open-change slot before the insert
    if settled is None:
        return Repriced(None, False)
    snapshot = rule_snapshot(settled.rules, settled.result)
    change = _insert(shop, product, observation, settled.result, snapshot, now)
    db.session.flush()
    return _created(change, product, settled, actor=actor, now=now)


@dataclass(frozen=True)
class _Proposal:
    """A quote that becomes a new change once the session is flushed."""

    rules: PricingRules
    result: Quote


def _settle(
    shop: Shop,
    product: Product,
    observation: Observation,
    *,
    actor: str,
    now: datetime,
    refs: list[tuple[PriceChange, ChangeRef]] | None,
) -> Repriced | _Proposal | None:
    """Quote and supersede what the quote displaces: the outcome when nothing more is to be
    done, None when only the supersessions are, or the change to insert after a flush."""
    rules = shop_rules(shop)
    result = quote_product(shop, product, observation, rules)
    refs = _refs(product) if refs is None else refs
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
    return _Proposal(rules, result)


def _created(
    change: PriceChange, product: Product, proposal: _Proposal, *, actor: str, now: datetime
) -> Repriced:
    """Audit a change just inserted (flushed) and approve it when the tolerance allows."""
    record_created(change, actor=actor, now=now)
    approved = may_auto_push(proposal.result, product.shopify_price, proposal.rules)
    if approved:
        move(change, S.APPROVED, actor=AUTO_ACTOR, now=now, detail={"reason": "within_tolerance"})
    return Repriced(change, approved)


def _reason(result: Quote) -> str | None:
    return result.held_reason.value if result.held_reason else None


def _insert(
    shop: Shop,
    product: Product,
    observation: Observation,
    result: Quote,
    rules_snapshot: dict[str, object],
    now: datetime,
    key: str | None = None,
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
        idempotency_key=key or _free_key(shop, product, result, observation),
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(change)
    return change


def _free_key(shop: Shop, product: Product, result: Quote, observation: Observation) -> str:
    # The same price from the same observation can come back after a rule went and returned;
    # the second change is a new write, so it gets a key of its own.
    assert result.proposed_price is not None
    suffix = ""
    for attempt in range(1, 100):
        key = idempotency_key(
            shop.id, product.shopify_variant_gid, result.proposed_price, f"{observation.id}{suffix}"
        )
        taken = db.session.scalar(select(PriceChange.id).where(PriceChange.idempotency_key == key))
        if taken is None:
            return key
        suffix = f"-{attempt}"
    raise RuntimeError(f"no free idempotency key for product {product.id}")


__all__ = [
    "Repriced",
    "latest_observation",
    "lock_product",
    "on_observation",
    "on_observations",
    "reprice",
]


def _reprice_observed(
    product: Product, observation_id: int, now: datetime
) -> tuple[Shop, Observation, Repriced]:
    """The repricing one trusted observation asks for, on a locked product (no commit)."""
    shop, observation = _observed(product, observation_id)
    return shop, observation, reprice(shop, product, observation, actor=AUTO_ACTOR, now=now)


def _observed(product: Product, observation_id: int) -> tuple[Shop, Observation]:
    observation = db.session.get(Observation, observation_id)
    if observation is None or observation.product_id != product.id:
        raise ValueError(f"observation {observation_id} does not belong to product {product.id}")
    if observation.quarantined:
        raise ValueError(f"observation {observation_id} is quarantined; it prices nothing")
    shop = db.session.get(Shop, product.shop_id)
    assert shop is not None  # product.shop_id is a foreign key
    return shop, observation


def on_observations(pairs: Sequence[tuple[int, int]]) -> None:
    """``on_observation`` for a chunk of (product id, observation id): one transaction.

    The products are locked in id order (two chunks never wait on each other in a cycle) and
    each observation is repriced as ``on_observation`` does it, each product's in the order
    given; the reads and inserts of a round of distinct products are made together. Then one
    commit, the events, and the pushes (one per shop) and stock syncs it calls for.
    """
    if not pairs:
        return
    now = utcnow()
    products = _lock_products({product_id for product_id, _ in pairs})
    # Loaded up front, so the per-pair lookups are served from the session's identity map.
    db.session.scalars(select(Observation).where(Observation.id.in_([o for _, o in pairs]))).all()
    db.session.scalars(
        select(Shop).where(Shop.id.in_({p.shop_id for p in products.values()}))
    ).all()
    push_shops: set[int] = set()
    stock_syncs: list[int] = []
    for round_pairs in _rounds(pairs):
        live = [(products[p], o) for p, o in round_pairs if p in products]  # others unlinked
        approved, syncs = _reprice_round(live, now)
        push_shops |= approved
        stock_syncs += syncs
    commit_and_publish()
    for shop_id in sorted(push_shops):
        jobs.push_shop_changes.enqueue(shop_id)
    for product_id in dict.fromkeys(stock_syncs):
        jobs.sync_inventory.enqueue(product_id)


def _rounds(pairs: Sequence[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The pairs cut into rounds holding each product at most once, each in the given order:
    a product's second observation must see the change its first one made."""
    rounds: list[list[tuple[int, int]]] = []
    seen: Counter[int] = Counter()
    for pair in pairs:
        index = seen[pair[0]]
        seen[pair[0]] += 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(pair)
    return rounds


def _reprice_round(live: list[tuple[Product, int]], now: datetime) -> tuple[set[int], list[int]]:
    """``reprice`` for distinct products, with one read, one flush and one insert for all;
    the shops whose changes were approved, and the products whose stock needs syncing."""
    refs = _refs_of([product for product, _ in live])
    proposals: list[tuple[Shop, Product, Observation, _Proposal]] = []
    stock_syncs: list[int] = []
    for product, observation_id in live:
        shop, observation = _observed(product, observation_id)
        settled = _settle(
            shop, product, observation, actor=AUTO_ACTOR, now=now, refs=refs[product.id]
        )
        if isinstance(settled, _Proposal):
            proposals.append((shop, product, observation, settled))
        # Decided before the commit, from the values it commits (no reload per row after it).
        if stock_action_needed(shop, product, observation.availability):
            stock_syncs.append(product.id)
    db.session.flush()  # frees the open-change slots before the inserts
    keys = _free_keys([(shop, product, p.result, obs) for shop, product, obs, p in proposals])
    changes = [
        _insert(shop, product, obs, p.result, rule_snapshot(p.rules, p.result), now, key)
        for (shop, product, obs, p), key in zip(proposals, keys, strict=True)
    ]
    db.session.flush()
    approved = set()
    for (shop, product, _, proposal), change in zip(proposals, changes, strict=True):
        if _created(change, product, proposal, actor=AUTO_ACTOR, now=now).approved:
            approved.add(shop.id)
    return approved, stock_syncs


def _free_keys(wanted: list[tuple[Shop, Product, Quote, Observation]]) -> list[str]:
    """``_free_key`` for many changes with one lookup per suffix tried (nearly always one)."""
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


def _lock_products(product_ids: set[int]) -> dict[int, Product]:
    statement = (
        select(Product).where(Product.id.in_(sorted(product_ids))).order_by(Product.id)
    ).with_for_update()
    return {product.id: product for product in db.session.scalars(statement)}


def _refs_of(products: list[Product]) -> dict[int, list[tuple[PriceChange, ChangeRef]]]:
    """``_refs`` of many locked products in one query: the same rows, locks and order."""
    if not products:
        return {}
    ids = sorted(product.id for product in products)
    observed = select(Observation.observed_at).where(Observation.id == PriceChange.observation_id)
    newest_pushed = (
        select(func.max(PriceChange.id))
        .where(PriceChange.product_id.in_(ids), PriceChange.state == S.PUSHED.value)
        .group_by(PriceChange.product_id)
    )
    rows = db.session.execute(
        select(PriceChange, observed.scalar_subquery())
        .where(
            PriceChange.product_id.in_(ids),
            PriceChange.state.in_([s.value for s in _LIVE]) | PriceChange.id.in_(newest_pushed),
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
