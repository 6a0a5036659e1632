"""Periodic jobs survive rows deleted under them (issue 14: unlinking a product while the
reconciliation ran crashed it with StaleDataError, and links made meanwhile were not read).

The kind: a merchant unlinking a product, and Shopify uninstalling the app or erasing the shop,
at any moment of a job. Each test interleaves the delete deterministically, by running the
job's steps with the delete between them, or in a hook inside the call to Shopify. The job
must not crash or retry, must write nothing for the gone rows, and must push no price for a
shop that is no longer installed.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.push import push, reconcile, stock
from app.push.push import PushReport, claim, push_shop, send
from app.realtime.events import events_after
from app.shopify.graphql.shop_client import RECONNECT, admin_client
from app.shopify.lifecycle import mark_uninstalled
from tests.integration.conftest import T0, LiveShopify, linked_shop
from tests.integration.factories import make_observation
from tests.integration.push.test_push import _approve_all
from tests.integration.push.test_stock import Stocked, stocked  # noqa: F401  (fixture)


def unlink(product_id: int) -> None:
    """The merchant unlinks it, in another request (its own connection and commit)."""
    with db.engine.begin() as connection:
        connection.execute(delete(Product).where(Product.id == product_id))


def erase(shop_id: int) -> None:
    """shop/redact, in another process: the shop row goes, and every row of it with it."""
    with db.engine.begin() as connection:
        connection.execute(delete(Shop).where(Shop.id == shop_id))


def variant_number(product: Product) -> int:
    return int(product.shopify_variant_gid.rsplit("/", 1)[1])


def test_a_product_unlinked_between_claim_and_send_is_not_pushed(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=3)
    _approve_all(products)
    domain, prices = shop.domain, shopify.prices(shop.domain)
    gone, gone_product, gone_variant = (
        products[1].id,
        products[1].shopify_product_gid,
        products[1].shopify_variant_gid,
    )
    report = PushReport()
    claimed = claim(shop.id, now=utcnow(), report=report)
    assert len(claimed) == 3
    unlink(gone)
    send(admin_client(shop), shop, claimed, clock=utcnow, report=report)
    assert (report.pushed, report.failed) == (2, 0)
    assert shopify.updates[gone_product] == 0
    assert shopify.prices(domain)[gone_variant] == prices[gone_variant]
    states = db.session.scalars(select(PriceChange.state)).all()
    assert sorted(states) == ["pushed", "pushed"]


def test_a_product_unlinked_while_shopify_answers_is_not_written(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One Shopify product, two linked variants, one call: the merchant unlinks one of them
    while Shopify applies both. The other is confirmed; nothing is written for the gone one."""
    shop, products = linked_shop(shopify, products=1, variants=2)
    changes = _approve_all(products)
    kept_change = changes[0].id
    gone = products[1].id
    real = push.bulk_update_prices

    def unlink_while_answering(*args: Any, **kwargs: Any) -> Any:
        outcome = real(*args, **kwargs)
        unlink(gone)
        return outcome

    monkeypatch.setattr(push, "bulk_update_prices", unlink_while_answering)
    report = push_shop(shop.id)
    assert (report.pushed, report.failed) == (1, 0)
    db.session.expire_all()
    assert db.session.get(Product, gone) is None
    kept = db.session.get(PriceChange, kept_change)
    assert kept is not None
    assert kept.state == "pushed"
    assert db.session.scalars(select(PriceChange.id)).all() == [kept_change]


def test_an_uninstall_between_claim_and_send_pushes_no_price(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=2)
    changes = _approve_all(products)
    prices = shopify.prices(shop.domain)
    report = PushReport()
    claimed = claim(shop.id, now=utcnow(), report=report)
    assert len(claimed) == 2
    client = admin_client(shop)  # the push job's client, made before the uninstall
    # app/uninstalled is handled in another worker and commits.
    row = db.session.get(Shop, shop.id)
    assert row is not None
    mark_uninstalled(row, utcnow())
    db.session.commit()

    send(client, shop, claimed, clock=utcnow, report=report)

    assert shopify.stats(shop.domain)["calls"] == 0
    assert shopify.prices(shop.domain) == prices
    assert (report.pushed, report.failed) == (0, 2)
    for change in changes:
        db.session.refresh(change)
        assert change.state == "failed"
        assert change.error == RECONNECT
    (event,) = [e for e in events_after(shop.id, 0) if e.type == "error"]
    assert event.data["code"] == "shopify_auth"
    assert sorted(event.data["price_change_ids"]) == sorted(c.id for c in changes)


def test_a_claim_for_a_shop_uninstalled_meanwhile_takes_nothing(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    """push_shop read the shop installed; the uninstall commits before its claim: the
    approved changes stay approved (pushed on a reinstall, if still current)."""
    shop, products = linked_shop(shopify, products=1)
    (change,) = _approve_all(products)
    mark_uninstalled(shop, utcnow())
    db.session.commit()
    assert claim(shop.id, now=utcnow(), report=PushReport()) == []
    db.session.refresh(change)
    assert change.state == "approved"
    assert shopify.stats(shop.domain)["calls"] == 0


def test_a_shop_erased_between_claim_and_send_is_sent_nothing(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=2)
    _approve_all(products)
    domain = shop.domain
    report = PushReport()
    claimed = claim(shop.id, now=utcnow(), report=report)
    client = admin_client(shop)
    erase(shop.id)
    send(client, shop, claimed, clock=utcnow, report=report)
    assert shopify.stats(domain)["calls"] == 0
    assert (report.pushed, report.failed) == (0, 0)
    assert db.session.scalars(select(PriceChange)).all() == []


def test_a_product_unlinked_while_an_abandoned_push_is_read_back_is_skipped(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, products = linked_shop(shopify, products=2)
    changes = _approve_all(products)
    for change in changes:
        change.state = "pushing"  # a push whose worker died
    db.session.commit()
    gone, gone_product = products[0].id, products[0].shopify_product_gid
    kept_product = products[1].shopify_product_gid
    real = reconcile.read_variant_prices

    def unlink_while_reading(*args: Any, **kwargs: Any) -> dict[str, Decimal]:
        prices = real(*args, **kwargs)
        unlink(gone)
        return prices

    monkeypatch.setattr(reconcile, "read_variant_prices", unlink_while_reading)
    later = utcnow() + reconcile.PUSH_LEASE + timedelta(seconds=1)
    report = reconcile.finish_abandoned(shop.id, now=later)
    assert (report.pushed, report.failed) == (1, 0)  # the other one re-sent, and pushed
    assert shopify.updates[gone_product] == 0
    assert shopify.updates[kept_product] == 1
    assert db.session.scalars(select(PriceChange.state)).all() == ["pushed"]


def test_a_product_unlinked_while_its_price_is_read_back_is_skipped(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, products = linked_shop(shopify, products=3)
    for product in products:
        store = shopify.admin.store.shop(shop.domain)
        store.variants[int(product.shopify_variant_gid.rsplit("/", 1)[1])].price = Decimal("7.77")
    gone = products[1].id
    real = reconcile.read_variant_prices

    def unlink_then_read(*args: Any, **kwargs: Any) -> dict[str, Decimal]:
        # The merchant unlinks a product in another request while Shopify answers.
        with db.engine.begin() as connection:
            connection.execute(delete(Product).where(Product.id == gone))
        return real(*args, **kwargs)

    monkeypatch.setattr(reconcile, "read_variant_prices", unlink_then_read)
    assert reconcile.reconcile_shop(shop.id) == 2  # the two still linked drifted
    db.session.expire_all()
    assert db.session.get(Product, gone) is None
    for product in (products[0], products[2]):
        row = db.session.get(Product, product.id)
        assert row is not None
        assert row.shopify_price == Decimal("7.77")


@pytest.mark.parametrize("race", ["unlink", "uninstall", "erase"])
def test_a_stock_sync_raced_after_setting_the_stock_aside_writes_nothing(
    stocked: Stocked,  # noqa: F811  (fixture)
    shopify: LiveShopify,
    monkeypatch: pytest.MonkeyPatch,
    race: str,
) -> None:
    """Amazon ran out: the sync reads the Shopify stock and commits it set aside, then zeroes
    it. Unlinked, uninstalled or erased in between, nothing is zeroed and the job ends."""
    shop, product, locations = stocked
    make_observation(product, price=Decimal("50.00"), availability="out_of_stock", observed_at=T0)
    db.session.commit()
    domain, item, product_id, shop_id = (
        shop.domain,
        product.shopify_inventory_item_gid,
        product.id,
        shop.id,
    )
    assert item is not None
    real = stock._set_aside

    def set_aside_then_race(*args: Any, **kwargs: Any) -> dict[str, Any]:
        aside = real(*args, **kwargs)  # committed: the product's row is free again
        if race == "unlink":
            unlink(product_id)
        elif race == "erase":
            erase(shop_id)
        else:
            with db.engine.begin() as other:  # app/uninstalled, in another worker
                other.execute(
                    update(Shop).where(Shop.id == shop_id).values(uninstalled_at=utcnow())
                )
        return aside

    monkeypatch.setattr(stock, "_set_aside", set_aside_then_race)
    assert stock.sync_stock(product_id) == "nothing"
    assert shopify.stock(domain, item) == dict(zip(locations, (7, 3), strict=True))
