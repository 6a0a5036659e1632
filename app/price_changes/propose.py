"""Proposing: from a new observation to an audited price_change.

The sequence is always: lock the product row (one repricing of a product at a time), quote
with the pure core, supersede what the new change displaces, insert the change, approve it
automatically if the shop's tolerance allows, commit, publish, and only then enqueue the push.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Observation, Product, Shop
from app.models.product import stock_action_needed
from app.price_changes.ledger import commit_and_publish
from app.price_changes.quote import latest_observation, rule_snapshot
from app.price_changes.reprice import (
    Proposal,
    Repriced,
    after_insert,
    free_keys,
    insert_change,
    refs_of,
    reprice,
    settle,
)
from app.price_changes.signals import changes_approved, stock_sync_wanted
from app.price_changes.state import AUTO_ACTOR


def lock_product(product_id: int) -> Product | None:
    """The product locked, as committed now (a row read before may have changed or gone
    since: unlinked, or its variant deleted in Shopify); None when it is gone."""
    return db.session.scalar(
        select(Product)
        .where(Product.id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def repriceable(product: Product | None) -> bool:
    """Whether a quote may still become a change for it: linked, its variant not deleted."""
    return product is not None and product.status != "variant_deleted"


def on_observation(product_id: int, observation_id: int) -> None:
    """Called by ingest after a trusted observation is committed: reprice the product."""
    product = lock_product(product_id)
    if product is None or not repriceable(product):
        db.session.rollback()
        return
    shop, observation, outcome = _reprice_observed(product, observation_id, utcnow())
    commit_and_publish()
    _after_commit(shop, product, observation, outcome)


def _after_commit(
    shop: Shop, product: Product, observation: Observation, outcome: Repriced
) -> None:
    if outcome.approved:
        changes_approved.send(shop.id)
    if stock_action_needed(shop, product, observation.availability):
        stock_sync_wanted.send(product.id)


__all__ = [
    "Repriced",
    "latest_observation",
    "lock_product",
    "on_observation",
    "on_observations",
    "reprice",
    "repriceable",
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
        # Others were unlinked, or their variant deleted in Shopify, since the observation.
        live = [(products[p], o) for p, o in round_pairs if repriceable(products.get(p))]
        approved, syncs = _reprice_round(live, now)
        push_shops |= approved
        stock_syncs += syncs
    commit_and_publish()
    for shop_id in sorted(push_shops):
        changes_approved.send(shop_id)
    for product_id in dict.fromkeys(stock_syncs):
        stock_sync_wanted.send(product_id)


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
    refs = refs_of([product for product, _ in live])
    proposals: list[tuple[Shop, Product, Observation, Proposal]] = []
    stock_syncs: list[int] = []
    for product, observation_id in live:
        shop, observation = _observed(product, observation_id)
        settled = settle(
            shop, product, observation, actor=AUTO_ACTOR, now=now, refs=refs[product.id]
        )
        if isinstance(settled, Proposal):
            proposals.append((shop, product, observation, settled))
        # Decided before the commit, from the values it commits (no reload per row after it).
        if stock_action_needed(shop, product, observation.availability):
            stock_syncs.append(product.id)
    db.session.flush()  # frees the open-change slots before the inserts
    keys = free_keys([(shop, product, p.result, obs) for shop, product, obs, p in proposals])
    changes = [
        insert_change(
            shop,
            product,
            obs,
            p.result,
            rule_snapshot(p.rules, p.result),
            now,
            key,
            fingerprint=p.fingerprint,
        )
        for (shop, product, obs, p), key in zip(proposals, keys, strict=True)
    ]
    db.session.flush()
    approved = set()
    for (shop, product, _, proposal), change in zip(proposals, changes, strict=True):
        if after_insert(change, product, proposal, actor=AUTO_ACTOR, now=now).approved:
            approved.add(shop.id)
    return approved, stock_syncs


def _lock_products(product_ids: set[int]) -> dict[int, Product]:
    statement = (
        select(Product)
        .where(Product.id.in_(sorted(product_ids)))
        .order_by(Product.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {product.id: product for product in db.session.scalars(statement)}
