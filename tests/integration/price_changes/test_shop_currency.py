"""The shop's currency comes from Shopify; until it is known every quote is held."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, update

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


@pytest.mark.parametrize("race", ["erase", "uninstall"])
def test_a_shop_erased_or_uninstalled_while_its_currency_is_read_is_left_alone(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch, race: str
) -> None:
    """shop/redact or app/uninstalled, handled by another worker while Shopify answers: the
    job writes nothing (no StaleDataError on the gone row) and reprices nothing."""
    shop = unknown_currency(linked_shop(shopify, products=1)[0])
    shop_id = shop.id
    real = jobs.read_shop_currency

    def read_then_race(*args: Any, **kwargs: Any) -> str:
        code = real(*args, **kwargs)
        with db.engine.begin() as other:
            if race == "erase":
                other.execute(delete(Shop).where(Shop.id == shop_id))
            else:
                other.execute(
                    update(Shop).where(Shop.id == shop_id).values(uninstalled_at=utcnow())
                )
        return code

    monkeypatch.setattr(jobs, "read_shop_currency", read_then_race)
    assert jobs.sync_shop_currency(shop_id) is None
    db.session.expire_all()
    row = db.session.get(Shop, shop_id)
    assert row is None if race == "erase" else (row is not None and row.currency is None)
    assert current_broker().queue("default").get_job_ids() == []
