"""The shop's currency comes from Shopify; until it is known every quote is held."""

from __future__ import annotations

from flask import Flask

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.models import Shop
from app.price_changes import jobs
from app.push import jobs as push_jobs
from tests.integration.conftest import LiveShopify, linked_shop


def unknown_currency(shop: Shop) -> Shop:
    shop.currency = None
    db.session.commit()
    return shop


def test_the_currency_is_read_from_shopify_and_a_change_reprices_the_shop(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = unknown_currency(linked_shop(shopify, products=2)[0])
    assert jobs.sync_shop_currency(shop.id) == "USD"
    db.session.expire_all()
    reloaded = db.session.get(Shop, shop.id)
    assert reloaded is not None
    assert reloaded.currency == "USD"
    default = current_broker().queue("default")
    assert f"reprice-shop-{shop.id}" in default.get_job_ids()

    default.empty()
    assert jobs.sync_shop_currency(shop.id) == "USD"  # unchanged: nothing to reprice
    assert default.get_job_ids() == []


def test_an_uninstalled_shop_is_not_asked(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop = unknown_currency(linked_shop(shopify, products=1)[0])
    shop.uninstalled_at = shop.installed_at
    db.session.commit()
    assert jobs.sync_shop_currency(shop.id) is None
    assert shopify.stats(shop.domain)["calls"] == 0


def test_reconciliation_also_refreshes_the_currency(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, _ = linked_shop(shopify, products=1)
    assert push_jobs.enqueue_reconciliations(utcnow()) == 1
    assert f"shop-currency-{shop.id}" in current_broker().queue("default").get_job_ids()
