"""Pushes and the shop's access token, against the whole live Shopify simulator: a token
Shopify expired early is refreshed once and the push retried; a revoked shop fails visibly."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.price_changes.propose import on_observation
from app.push.push import push_shop
from app.realtime.events import events_after
from tests.integration.conftest import T0, FullShopify, installed_shop
from tests.integration.factories import make_observation

SHOP = "tokens.myshopify.com"


def _approved_change(product: Product) -> PriceChange:
    observation = make_observation(product, price=Decimal("50.00"), observed_at=T0)
    db.session.commit()
    on_observation(product.id, observation.id)
    change = db.session.scalars(
        select(PriceChange).where(PriceChange.product_id == product.id)
    ).one()
    change.state = "approved"
    db.session.commit()
    return change


def _products(shop: Shop) -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.shop_id == shop.id)))


def test_a_push_after_shopify_expired_the_token_refreshes_once_and_lands(
    full_app: Flask, full_shopify: FullShopify
) -> None:
    shop = installed_shop(full_app, full_shopify, SHOP, products=1)
    [product] = _products(shop)
    change = _approved_change(product)
    old_access, old_refresh = shop.access_token, shop.refresh_token
    # Shopify ends the token early; by our clock it still has most of an hour.
    assert full_shopify.post("/_sim/tokens/expire", {"shop": SHOP})["expired"] == 1

    report = push_shop(shop.id)

    assert (report.pushed, report.failed) == (1, 0)
    db.session.refresh(change)
    db.session.refresh(shop)
    assert change.state == "pushed"
    assert change.confirmed_price == Decimal("65.00")
    assert change.attempts == 1  # the retry after the refresh is the same attempt
    assert shop.access_token not in (None, old_access)
    assert shop.refresh_token not in (None, old_refresh)  # rotated
    assert full_shopify.sim.registry.authorize(SHOP, shop.access_token or "")
    [variant] = full_shopify.variants(SHOP)
    assert Decimal(variant["price"]) == Decimal("65.00")


def test_a_revoked_shop_fails_the_push_visibly(full_app: Flask, full_shopify: FullShopify) -> None:
    shop = installed_shop(full_app, full_shopify, SHOP, products=2)
    changes = [_approved_change(p) for p in _products(shop)]
    prices_before = {v["id"]: v["price"] for v in full_shopify.variants(SHOP)}
    after = max((e.seq for e in events_after(shop.id, 0)), default=0)
    assert full_shopify.post("/_sim/uninstall", {"shop": SHOP})["uninstalled"] is True

    report = push_shop(shop.id)

    assert (report.pushed, report.failed, report.retrying) == (0, 2, 0)
    for change in changes:
        db.session.refresh(change)
        assert change.state == "failed"
        assert change.error is not None
        assert "Open PriceBridge from the Shopify admin to reconnect it" in change.error
    db.session.refresh(shop)
    assert shop.access_token is None  # the dead grant is dropped, never retried
    errors = [e for e in events_after(shop.id, after) if e.type == "error"]
    assert errors, "an error event tells the dashboard"
    assert all(e.data["code"] == "shopify_auth" for e in errors)
    assert sorted(i for e in errors for i in e.data["price_change_ids"]) == sorted(
        c.id for c in changes
    )
    assert "reconnect" in errors[0].data["message"]
    failed = [e for e in events_after(shop.id, after) if e.type == "price_change"]
    assert {e.data["state"] for e in failed} >= {"failed"}
    assert {v["id"]: v["price"] for v in full_shopify.variants(SHOP)} == prices_before
