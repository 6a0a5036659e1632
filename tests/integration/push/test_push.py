"""Pushes against the live simulated Admin GraphQL API, on PostgreSQL and Redis."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, PriceChangeEvent, Product
from app.price_changes.propose import on_observation
from app.push import jobs
from app.push.push import push_shop
from app.push.reconcile import PUSH_LEASE, finish_abandoned, reconcile_shop
from tests.integration.conftest import T0, LiveShopify, linked_shop
from tests.integration.factories import make_observation


def _approve_all(products: list[Product], price: str = "50.00") -> list[PriceChange]:
    changes = []
    for product in products:
        observation = make_observation(product, price=Decimal(price), observed_at=T0)
        db.session.commit()
        on_observation(product.id, observation.id)
        change = db.session.scalars(
            select(PriceChange).where(PriceChange.product_id == product.id)
        ).one()
        changes.append(change)
    for change in changes:
        change.state = "approved"
    db.session.commit()
    return changes


def test_approved_changes_are_pushed_grouped_per_product_and_confirmed(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=3, variants=4)
    changes = _approve_all(products)
    report = push_shop(shop.id)
    assert report.pushed == 12
    assert shopify.stats(shop.domain)["calls"] == 3  # one mutation per Shopify product
    prices = shopify.prices(shop.domain)
    for change, product in zip(changes, products, strict=True):
        db.session.refresh(change)
        db.session.refresh(product)
        assert change.state == "pushed"
        assert change.confirmed_price == Decimal("65.00")
        assert change.attempts == 1
        assert product.shopify_price == Decimal("65.00")
        assert prices[product.shopify_variant_gid] == Decimal("65.00")
    states = [e.to_state for e in db.session.scalars(select(PriceChangeEvent)).all()]
    assert states.count("pushing") == 12
    assert states.count("pushed") == 12


def test_a_user_error_fails_its_change_and_the_rest_of_the_product_still_goes(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=1, variants=3)
    changes = _approve_all(products)
    refused = products[1].shopify_variant_gid
    shopify.arm(kind="user_error", variant_id=refused, code="INVALID_INPUT", message="No.")
    report = push_shop(shop.id)
    assert (report.pushed, report.failed) == (2, 1)
    for change in changes:
        db.session.refresh(change)
    assert [c.state for c in changes] == ["pushed", "failed", "pushed"]
    assert changes[1].error == "No."
    assert changes[1].shopify_response == {
        "userErrors": [{"field": ["variants", "1"], "message": "No.", "code": "INVALID_INPUT"}]
    }
    assert shopify.prices(shop.domain)[refused] != Decimal("65.00")


def test_5xx_is_retried_and_the_push_still_lands(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop, products = linked_shop(shopify, products=1)
    [change] = _approve_all(products)
    shopify.arm(kind="http", status=503, count=2)
    assert push_shop(shop.id).pushed == 1
    db.session.refresh(change)
    assert change.state == "pushed"
    assert shopify.updates[products[0].shopify_product_gid] == 1


def test_a_stale_change_is_superseded_instead_of_pushed(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=1)
    [change] = _approve_all(products)
    make_observation(products[0], price=Decimal("60.00"), observed_at=T0 + timedelta(hours=1))
    db.session.commit()
    report = push_shop(shop.id)
    db.session.refresh(change)
    assert (report.pushed, report.skipped) == (0, 1)
    assert change.state == "superseded"
    assert shopify.stats(shop.domain)["calls"] == 0


def test_a_manual_override_holds_an_approved_change(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=1)
    [change] = _approve_all(products)
    products[0].manual_override_at = T0
    db.session.commit()
    push_shop(shop.id)
    db.session.refresh(change)
    assert change.state == "held"
    assert change.held_reason == "manual_override"


def test_an_abandoned_push_that_landed_is_confirmed_by_reading_back(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=2)
    changes = _approve_all(products)
    push_shop(shop.id)
    # Pretend the worker died after Shopify applied the first and before sending the second.
    for change in changes:
        db.session.refresh(change)
        change.state = "pushing"
    landed, lost = changes
    shopify.admin.store.shop(shop.domain).variants[
        int(products[1].shopify_variant_gid.rsplit("/", 1)[1])
    ].price = Decimal("1.00")
    db.session.commit()
    assert finish_abandoned(shop.id, now=utcnow()).pushed == 0  # within the lease: untouched
    report = finish_abandoned(shop.id, now=utcnow() + PUSH_LEASE + timedelta(seconds=1))
    assert report.pushed == 2
    for change in changes:
        db.session.refresh(change)
        assert change.state == "pushed"
    assert shopify.updates[products[0].shopify_product_gid] == 1  # read back, not re-sent
    assert shopify.updates[products[1].shopify_product_gid] == 2  # re-sent once
    assert lost.attempts == 2
    assert landed.attempts == 1


def test_reconciliation_flags_a_price_changed_behind_our_back(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=3)
    gid = products[2].shopify_variant_gid
    shopify.admin.store.shop(shop.domain).variants[int(gid.rsplit("/", 1)[1])].price = Decimal(
        "9.99"
    )
    assert reconcile_shop(shop.id) == 1
    db.session.refresh(products[2])
    assert products[2].price_drift_at is not None
    assert products[2].shopify_price == Decimal("9.99")
    db.session.refresh(products[0])
    assert products[0].price_drift_at is None


def test_the_sweep_enqueues_shops_whose_approved_changes_were_missed(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    _shop, products = linked_shop(shopify, products=1)
    _approve_all(products)
    assert jobs.enqueue_missed_pushes(utcnow()) == 0
    assert jobs.enqueue_missed_pushes(utcnow() + timedelta(minutes=1)) == 1
