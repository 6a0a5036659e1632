"""on_observations (a chunk in one transaction) makes exactly the changes on_observation makes.

Each test builds the same scenario twice, in two shops with the same settings: one is fed to
``on_observation`` one observation at a time, the other to ``on_observations`` as one chunk
(in the same order). The changes, their audit trails, the products' holds, the published
events and the enqueued jobs must come out the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.broker import current_broker
from app.extensions import db
from app.models import PriceChange, PriceChangeEvent, Product, Shop
from app.price_changes.idempotency import idempotency_key
from app.price_changes.propose import on_observation, on_observations
from app.realtime.events import events_after
from tests.integration.factories import make_observation, make_product, make_shop

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass
class Scenario:
    shop: Shop
    products: list[Product] = field(default_factory=list)
    # (product index, observation id), in the order ingest would hand them over.
    pairs: list[tuple[int, int]] = field(default_factory=list)
    observation_index: dict[int, int] = field(default_factory=dict)

    def product(self, **fields: Any) -> int:
        self.products.append(make_product(self.shop, **fields))
        return len(self.products) - 1

    def observe(self, index: int, price: str | None, at: datetime = T0, **fields: Any) -> int:
        amount = None if price is None else Decimal(price)
        row = make_observation(self.products[index], price=amount, observed_at=at, **fields)
        self.observation_index[row.id] = len(self.observation_index)
        self.pairs.append((self.products[index].id, row.id))
        return row.id


def _shop(name: str) -> Shop:
    return make_shop(
        f"{name}.myshopify.com",
        currency="USD",
        markup_percent=Decimal("30.00"),
        min_margin_percent=Decimal("10.00"),
        auto_push_tolerance_percent=Decimal("10.00"),
        out_of_stock_action="zero_inventory",
        installed_at=T0,
    )


def _build(scenario: Scenario) -> None:
    """Every path of reprice, including one product observed twice in the chunk."""
    fresh = scenario.product(shopify_price=Decimal("20.00"))
    scenario.observe(fresh, "19.99")
    already = scenario.product(shopify_price=Decimal("25.99"))
    scenario.observe(already, "19.99")
    twice = scenario.product(shopify_price=Decimal("20.00"))
    scenario.observe(twice, "19.99")
    scenario.observe(twice, "21.00", T0 + HOUR)
    late = scenario.product(shopify_price=Decimal("20.00"))
    scenario.observe(late, "19.99", T0 + HOUR)
    scenario.observe(late, "30.00", T0)
    floor = scenario.product(shopify_price=Decimal("20.00"), markup_override_percent=Decimal("5"))
    scenario.observe(floor, "19.99")
    gone = scenario.product(shopify_price=Decimal("20.00"))
    scenario.observe(gone, None, availability="unavailable")
    auto = scenario.product(shopify_price=Decimal("25.00"))
    scenario.observe(auto, "19.99")
    manual = scenario.product(shopify_price=Decimal("20.00"), manual_override_at=T0)
    scenario.observe(manual, "19.99")
    stock = scenario.product(
        shopify_price=Decimal("25.99"), shopify_inventory_item_gid="gid://shopify/InventoryItem/1"
    )
    scenario.observe(stock, "19.99", availability="out_of_stock")
    same_again = scenario.product(shopify_price=Decimal("20.00"))
    scenario.observe(same_again, "19.99", T0 + HOUR)
    scenario.observe(same_again, "19.99", T0 + 2 * HOUR)


def _with_open_changes(scenario: Scenario) -> None:
    """Products whose earlier change is still open when the chunk arrives."""
    for shopify, before, after in (("20.00", "19.99", "21.00"), ("20.00", "19.99", "19.99")):
        index = scenario.product(shopify_price=Decimal(shopify))
        earlier = make_observation(scenario.products[index], price=Decimal(before), observed_at=T0)
        db.session.commit()
        on_observation(scenario.products[index].id, earlier.id)
        scenario.observation_index[earlier.id] = -1
        scenario.observe(index, after, T0 + HOUR)


def _run(
    name: str, build: Callable[[Scenario], None], batch: bool
) -> tuple[Scenario, dict[str, Any]]:
    scenario = Scenario(_shop(name))
    build(scenario)
    db.session.commit()
    if batch:
        on_observations(scenario.pairs)
    else:
        for product_id, observation_id in scenario.pairs:
            on_observation(product_id, observation_id)
    return scenario, _outcome(scenario)


def _outcome(scenario: Scenario) -> dict[str, Any]:
    index_of = {product.id: i for i, product in enumerate(scenario.products)}
    changes = db.session.scalars(
        select(PriceChange).where(PriceChange.shop_id == scenario.shop.id).order_by(PriceChange.id)
    ).all()
    per_product: dict[int, list[Any]] = {i: [] for i in range(len(scenario.products))}
    for change in changes:
        trail = db.session.scalars(
            select(PriceChangeEvent)
            .where(PriceChangeEvent.price_change_id == change.id)
            .order_by(PriceChangeEvent.id)
        ).all()
        per_product[index_of[change.product_id]].append(
            (
                change.state,
                change.proposed_price,
                change.compare_at_price,
                change.previous_price,
                change.held_reason,
                change.approved_by,
                scenario.observation_index.get(change.observation_id or 0),
                len(change.idempotency_key),
                [(e.from_state, e.to_state, e.actor, e.detail) for e in trail],
            )
        )
    holds = []
    for product in scenario.products:
        db.session.refresh(product)
        holds.append((product.price_hold_reason, product.price_hold_message))
    published: dict[int, list[Any]] = {i: [] for i in range(len(scenario.products))}
    for event in events_after(scenario.shop.id, 0):
        data = event.data
        published[index_of[data["product_id"]]].append(
            (event.type, data["state"], data["from_state"], data["proposed_price"])
        )
    broker = current_broker()
    pushes = broker.queue("push").fetch_job(f"push-{scenario.shop.id}") is not None
    syncs = sorted(
        index_of[product.id]
        for product in scenario.products
        if broker.queue("push").fetch_job(f"inventory-{product.id}") is not None
        or broker.queue("default").fetch_job(f"inventory-{product.id}") is not None
    )
    return {
        "changes": per_product,
        "holds": holds,
        "published": published,
        "push": pushes,
        "syncs": syncs,
    }


@pytest.mark.parametrize("build", [_build, _with_open_changes], ids=["paths", "open"])
def test_a_chunk_makes_the_changes_one_by_one_makes(
    app: Flask, build: Callable[[Scenario], None]
) -> None:
    _, single = _run("single", build, batch=False)
    _, batch = _run("batch", build, batch=True)
    assert batch == single
    # The scenario really exercises the paths it claims to.
    states = [c[0] for changes in single["changes"].values() for c in changes]
    if build is _build:
        assert {"proposed", "superseded", "held", "approved"} <= set(states)
        assert single["push"] is True
        assert single["syncs"] == [8]
        assert single["holds"][5][0] == "no_cost"
    else:
        assert states == ["superseded", "proposed", "proposed"]


def test_an_empty_chunk_does_nothing(app: Flask) -> None:
    on_observations([])
    assert db.session.scalar(select(PriceChange.id)) is None


def test_an_unlinked_product_is_skipped_and_the_rest_priced(app: Flask) -> None:
    scenario = Scenario(_shop("unlinked"))
    kept = scenario.product(shopify_price=Decimal("20.00"))
    scenario.observe(kept, "19.99")
    db.session.commit()
    on_observations([(10**9, 1), *scenario.pairs])
    [change] = db.session.scalars(select(PriceChange)).all()
    assert change.product_id == scenario.products[kept].id
    assert change.state == "proposed"


def test_an_observation_of_another_product_is_refused_and_nothing_is_committed(
    app: Flask,
) -> None:
    scenario = Scenario(_shop("mixed"))
    first = scenario.product(shopify_price=Decimal("20.00"))
    second = scenario.product(shopify_price=Decimal("20.00"))
    scenario.observe(first, "19.99")
    wrong = scenario.observe(second, "19.99")
    db.session.commit()
    with pytest.raises(ValueError, match="does not belong"):
        on_observations([scenario.pairs[0], (scenario.products[first].id, wrong)])
    db.session.rollback()
    assert db.session.scalar(select(PriceChange.id)) is None


@pytest.mark.parametrize("batch", [False, True], ids=["single", "chunk"])
def test_the_same_quote_from_the_same_observation_again_gets_a_key_of_its_own(
    app: Flask, batch: bool
) -> None:
    scenario = Scenario(_shop(f"again-{batch}"))
    index = scenario.product(shopify_price=Decimal("20.00"))
    observation_id = scenario.observe(index, "19.99")
    product = scenario.products[index]
    db.session.commit()
    on_observation(product.id, observation_id)
    first = db.session.scalars(select(PriceChange)).one()
    first.state = "superseded"  # as if a rule went and came back
    db.session.commit()
    if batch:
        on_observations([(product.id, observation_id)])
    else:
        on_observation(product.id, observation_id)
    again = db.session.scalars(select(PriceChange).where(PriceChange.id != first.id)).one()
    shop_id, variant = scenario.shop.id, product.shopify_variant_gid
    price = Decimal("25.99")
    assert first.idempotency_key == idempotency_key(shop_id, variant, price, observation_id)
    assert again.idempotency_key == idempotency_key(shop_id, variant, price, f"{observation_id}-1")
