"""Out of stock on Amazon -> Shopify stock 0 and back, against the live simulated Admin API
(inventorySetQuantities with @idempotent and changeFromQuantity), on PostgreSQL and Redis."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from rq.job import Job

from app.broker import current_broker
from app.extensions import db
from app.models import Product, Shop
from app.price_changes.propose import on_observation, on_observations
from app.push import stock
from app.push.stock import sync_stock
from app.realtime.events import events_after
from tests.integration.conftest import T0, LiveShopify, linked_shop
from tests.integration.factories import make_observation

Stocked = tuple[Shop, Product, list[str]]


@pytest.fixture
def stocked(pricing_app: Flask, shopify: LiveShopify) -> Stocked:
    """A zero_inventory shop whose one product has 7 and 3 available at two locations."""
    shop, [product] = linked_shop(
        shopify, products=1, locations=2, out_of_stock_action="zero_inventory"
    )
    item = product.shopify_inventory_item_gid
    assert item is not None
    locations = sorted(shopify.stock(shop.domain, item))
    for location, quantity in zip(locations, (7, 3), strict=True):
        shopify.set_stock(shop.domain, item, location, quantity)
    return shop, product, locations


def _observe(product: Product, availability: str, minutes: int) -> None:
    """A trusted observation handed to pricing, as ingest does after its commit."""
    observation = make_observation(
        product,
        price=Decimal("50.00"),
        availability=availability,
        observed_at=T0 + timedelta(minutes=minutes),
    )
    db.session.commit()
    on_observation(product.id, observation.id)


def _queued_sync(product: Product) -> Job | None:
    return current_broker().queue("push").fetch_job(f"inventory-{product.id}")


def _run_queued_sync(product: Product) -> Any:
    """Run the job the observation enqueued (as a worker would), then forget it."""
    job = _queued_sync(product)
    assert job is not None, "the observation should have enqueued a stock sync"
    assert job.func_name.endswith("sync_inventory")
    assert job.args == (product.id,)
    result = job.perform()
    job.delete()
    return result


def _stock(shopify: LiveShopify, shop: Shop, product: Product) -> dict[str, int]:
    assert product.shopify_inventory_item_gid is not None
    return shopify.stock(shop.domain, product.shopify_inventory_item_gid)


def _error_events(shop: Shop) -> list[dict[str, Any]]:
    return [dict(e.data) for e in events_after(shop.id, 0) if e.type == "error"]


def test_out_of_stock_zeroes_the_stock_and_in_stock_gives_it_back(
    stocked: Stocked, shopify: LiveShopify
) -> None:
    shop, product, (first, second) = stocked
    _observe(product, "in_stock", 0)
    assert _queued_sync(product) is None  # in stock and nothing set aside: nothing to do

    _observe(product, "out_of_stock", 1)
    assert _run_queued_sync(product) == "zeroed"
    assert _stock(shopify, shop, product) == {first: 0, second: 0}
    db.session.refresh(product)
    aside = product.inventory_set_aside
    assert aside is not None
    assert aside["locations"] == {first: 7, second: 3}
    assert aside["applied"] is True

    _observe(product, "unavailable", 2)  # still out: already zeroed, nothing enqueued
    assert _queued_sync(product) is None

    _observe(product, "low_stock", 3)
    assert _run_queued_sync(product) == "restored"
    assert _stock(shopify, shop, product) == {first: 7, second: 3}
    db.session.refresh(product)
    assert product.inventory_set_aside is None
    assert _error_events(shop) == []

    # The next time it runs out is a new write with keys of its own, not a replay.
    _observe(product, "out_of_stock", 4)
    assert _run_queued_sync(product) == "zeroed"
    assert _stock(shopify, shop, product) == {first: 0, second: 0}


def test_action_none_touches_nothing(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop, [product] = linked_shop(shopify, products=1, out_of_stock_action="none")
    before = _stock(shopify, shop, product)
    _observe(product, "out_of_stock", 1)
    assert _queued_sync(product) is None
    assert sync_stock(product.id) == "nothing"  # even when run anyway
    assert _stock(shopify, shop, product) == before
    assert shopify.stats(shop.domain)["calls"] == 0
    db.session.refresh(product)
    assert product.inventory_set_aside is None


def test_a_retried_zeroing_is_not_applied_twice(stocked: Stocked, shopify: LiveShopify) -> None:
    shop, product, (first, second) = stocked
    _observe(product, "out_of_stock", 1)
    assert _run_queued_sync(product) == "zeroed"
    # The worker died after Shopify applied the mutation, before it recorded so...
    aside = product.inventory_set_aside
    assert aside is not None
    product.inventory_set_aside = {**aside, "applied": False}
    db.session.commit()
    # ...and meanwhile the merchant restocked the very same quantities by hand.
    shopify.set_stock(shop.domain, product.shopify_inventory_item_gid or "", first, 7)
    shopify.set_stock(shop.domain, product.shopify_inventory_item_gid or "", second, 3)
    calls = shopify.stats(shop.domain)["calls"]

    # The retried job sends the same request (changeFromQuantity 7 and 3 would match again):
    # the idempotency key makes Shopify answer it from the first time, not apply it again.
    assert sync_stock(product.id) == "zeroed"
    assert shopify.stats(shop.domain)["calls"] == calls + 1
    assert _stock(shopify, shop, product) == {first: 7, second: 3}
    db.session.refresh(product)
    assert product.inventory_set_aside is not None
    assert product.inventory_set_aside["applied"] is True
    assert product.inventory_set_aside["key"] == aside["key"]


def _selling_during_reads(
    monkeypatch: pytest.MonkeyPatch, shopify: LiveShopify, shop: Shop, times: int
) -> list[int]:
    """Someone sells one unit right after each of our first ``times`` stock reads."""
    real = stock.available_by_location
    reads: list[int] = []

    def read_then_sell(client: Any, item_gid: str) -> dict[str, int]:
        stock = real(client, item_gid)
        reads.append(1)
        if len(reads) <= times:
            location = sorted(stock)[0]
            shopify.set_stock(shop.domain, item_gid, location, stock[location] - 1)
        return stock

    monkeypatch.setattr(stock, "available_by_location", read_then_sell)
    return reads


def test_a_sale_between_read_and_write_is_read_back_and_zeroed(
    stocked: Stocked, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, product, (first, second) = stocked
    reads = _selling_during_reads(monkeypatch, shopify, shop, times=1)
    _observe(product, "out_of_stock", 1)
    assert _run_queued_sync(product) == "zeroed"
    assert len(reads) == 2
    assert _stock(shopify, shop, product) == {first: 0, second: 0}
    db.session.refresh(product)
    assert product.inventory_set_aside is not None
    assert product.inventory_set_aside["locations"] == {first: 6, second: 3}  # after the sale
    assert _error_events(shop) == []


def test_stock_that_keeps_changing_is_left_alone_and_flagged(
    stocked: Stocked, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, product, (first, second) = stocked
    reads = _selling_during_reads(monkeypatch, shopify, shop, times=2)
    _observe(product, "out_of_stock", 1)
    assert _run_queued_sync(product) == "conflict"
    assert len(reads) == 2  # read back and retried once, no more
    assert _stock(shopify, shop, product) == {first: 5, second: 3}  # two sales, no zeroing
    db.session.refresh(product)
    assert product.inventory_set_aside is None  # nothing held: the next check tries again
    [event] = _error_events(shop)
    assert event["code"] == "inventory_conflict"
    assert event["product_ids"] == [product.id]
    assert "was left as it is" in event["message"]


def test_stock_changed_while_held_at_zero_is_left_as_changed_and_flagged(
    stocked: Stocked, shopify: LiveShopify
) -> None:
    shop, product, (first, second) = stocked
    _observe(product, "out_of_stock", 1)
    assert _run_queued_sync(product) == "zeroed"
    shopify.set_stock(shop.domain, product.shopify_inventory_item_gid or "", first, 4)  # merchant
    _observe(product, "in_stock", 2)
    assert _run_queued_sync(product) == "left_as_changed"
    assert _stock(shopify, shop, product) == {first: 4, second: 0}
    db.session.refresh(product)
    assert product.inventory_set_aside is None
    [event] = _error_events(shop)
    assert event["code"] == "inventory_restore_skipped"
    assert "would have restored 10" in event["message"]


def test_switching_the_action_off_still_gives_back_what_was_set_aside(
    stocked: Stocked, shopify: LiveShopify
) -> None:
    shop, product, (first, second) = stocked
    _observe(product, "out_of_stock", 1)
    assert _run_queued_sync(product) == "zeroed"
    shop.out_of_stock_action = "none"
    db.session.commit()
    _observe(product, "in_stock", 2)
    assert _run_queued_sync(product) == "restored"
    assert _stock(shopify, shop, product) == {first: 7, second: 3}


def test_the_chunk_hook_ingest_calls_triggers_it_too(
    stocked: Stocked, shopify: LiveShopify
) -> None:
    shop, product, (first, second) = stocked
    observation = make_observation(
        product, price=Decimal("50.00"), availability="out_of_stock", observed_at=T0
    )
    db.session.commit()
    on_observations([(product.id, observation.id)])  # what ingest calls after its commit
    assert _run_queued_sync(product) == "zeroed"
    assert _stock(shopify, shop, product) == {first: 0, second: 0}
