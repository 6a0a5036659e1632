"""Each topic's effect on PostgreSQL (and Redis), delivered through POST /webhooks and the job."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.models import Observation, Product, Shop, WebhookEvent
from app.shopify.lifecycle import UNINSTALLED_REASON
from app.shopify.shop_tokens import store_grant
from app.shopify.tokens import TokenGrant
from tests.integration.factories import make_observation, make_product, make_shop
from tests.integration.shopify.test_webhooks import (
    deliver,
    event,
    fixture_body,
    installed_shop,
    run_webhook_jobs,
)

SHOP = "webhook-shop.myshopify.com"
OTHER = "other-shop.myshopify.com"
PRODUCT_GID = "gid://shopify/Product/788032119674292922"
SMALL = "gid://shopify/ProductVariant/642667041472713922"
MEDIUM = "gid://shopify/ProductVariant/757650484644203962"


def shop_body(topic: str, shop: str) -> bytes:
    """A fixture payload with Shopify's `{shop}` placeholder filled in (then signed anew)."""
    return fixture_body(topic).replace(b"{shop}.myshopify.com", shop.encode())


def process(
    app: Flask, client: FlaskClient, topic: str, body: bytes, webhook_id: str, **options: str
) -> WebhookEvent:
    answer = deliver(client, topic, body, webhook_id=webhook_id, **options)
    assert answer.status_code == 200
    run_webhook_jobs(app)
    recorded = event(webhook_id)
    assert recorded is not None
    assert recorded.error is None
    assert recorded.processed_at is not None
    return recorded


def test_app_uninstalled_drops_tokens_and_pauses_polling(app: Flask, client: FlaskClient) -> None:
    shop = installed_shop(SHOP)
    other = installed_shop(OTHER)
    active = make_product(shop)
    attention = make_product(shop, status="needs_attention", status_reason="ASIN not found")
    elsewhere = make_product(other)
    db.session.commit()

    process(app, client, "app/uninstalled", fixture_body("app/uninstalled"), "wh-uninstall")

    db.session.expire_all()
    assert shop.access_token is None
    assert shop.refresh_token is None
    assert shop.access_token_expires_at is None
    assert shop.refresh_token_expires_at is None
    assert shop.uninstalled_at == datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert not shop.is_installed
    assert (active.status, active.status_reason) == ("paused", UNINSTALLED_REASON)
    assert (attention.status, attention.status_reason) == ("needs_attention", "ASIN not found")
    assert other.access_token == "shpat_live"
    assert other.is_installed
    assert elsewhere.status == "active"


def test_a_late_app_uninstalled_does_not_undo_a_reinstall(app: Flask, client: FlaskClient) -> None:
    shop = installed_shop(SHOP)
    shop.installed_at = datetime(2026, 7, 2, tzinfo=UTC)  # reinstalled after the uninstall
    product = make_product(shop)
    db.session.commit()

    process(app, client, "app/uninstalled", fixture_body("app/uninstalled"), "wh-late")

    db.session.expire_all()
    assert shop.access_token == "shpat_live"
    assert shop.is_installed
    assert product.status == "active"


def fresh_grant() -> TokenGrant:
    now = utcnow()
    return TokenGrant(
        shop=SHOP,
        access_token="shpat_again",
        scope="write_products,write_inventory,read_locations",
        expires_at=now + timedelta(hours=1),
        refresh_token="shprt_again",
        refresh_token_expires_at=now + timedelta(days=90),
    )


def test_a_reinstall_resumes_exactly_the_products_the_uninstall_paused(
    app: Flask, client: FlaskClient
) -> None:
    shop = installed_shop(SHOP)
    active = make_product(shop)
    paused_by_merchant = make_product(shop, status="paused", status_reason="merchant")
    db.session.commit()
    process(app, client, "app/uninstalled", fixture_body("app/uninstalled"), "wh-uninstall-2")

    db.session.expire_all()
    assert not shop.is_installed
    # The next token exchange (or code grant) stores its grant: that is the reinstall.
    store_grant(shop, fresh_grant(), utcnow())
    db.session.commit()
    db.session.expire_all()
    assert (active.status, active.status_reason) == ("active", None)
    assert paused_by_merchant.status_reason == "merchant"


def test_app_scopes_update_records_the_current_scopes(app: Flask, client: FlaskClient) -> None:
    shop = installed_shop(SHOP)
    other = installed_shop(OTHER)
    process(app, client, "app/scopes_update", fixture_body("app/scopes_update"), "wh-scopes")
    db.session.expire_all()
    assert shop.scopes == "read_products,write_products"
    assert other.scopes == "write_products"


def test_products_update_records_shopify_prices_of_linked_variants(
    app: Flask, client: FlaskClient
) -> None:
    shop = installed_shop(SHOP)
    small = make_product(shop, shopify_product_gid=PRODUCT_GID, shopify_variant_gid=SMALL)
    # Read later than the payload's variant: a late delivery must not overwrite it.
    medium = make_product(
        shop,
        shopify_product_gid=PRODUCT_GID,
        shopify_variant_gid=MEDIUM,
        shopify_price=Decimal("21.00"),
        shopify_price_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    other = installed_shop(OTHER)
    same_variant_elsewhere = make_product(
        other, shopify_product_gid=PRODUCT_GID, shopify_variant_gid=SMALL
    )
    db.session.commit()

    process(app, client, "products/update", fixture_body("products/update"), "wh-update")

    db.session.expire_all()
    assert small.shopify_price == Decimal("19.99")
    assert small.shopify_price_at == datetime(2021, 12, 31, 0, 0, tzinfo=UTC)
    assert medium.shopify_price == Decimal("21.00")
    assert same_variant_elsewhere.shopify_price is None


def test_products_delete_stops_that_products_links_in_that_shop_only(
    app: Flask, client: FlaskClient
) -> None:
    shop = installed_shop(SHOP)
    linked = [
        make_product(shop, shopify_product_gid=PRODUCT_GID, shopify_variant_gid=SMALL),
        make_product(shop, shopify_product_gid=PRODUCT_GID, shopify_variant_gid=MEDIUM),
    ]
    make_observation(linked[0])
    kept = make_product(shop)
    other = installed_shop(OTHER)
    elsewhere = make_product(other, shopify_product_gid=PRODUCT_GID, shopify_variant_gid=SMALL)
    db.session.commit()
    assert json.loads(fixture_body("products/delete"))["id"] == 788032119674292922

    process(app, client, "products/delete", fixture_body("products/delete"), "wh-delete")

    db.session.expire_all()
    statuses = {
        row.id: row.status for row in db.session.execute(select(Product.id, Product.status))
    }
    assert statuses == {
        linked[0].id: "variant_deleted",
        linked[1].id: "variant_deleted",
        kept.id: "active",
        elsewhere.id: "active",
    }
    stopped = db.session.get(Product, linked[0].id)
    assert stopped is not None
    assert stopped.status_reason is not None
    assert stopped.status_reason.startswith("The product was deleted in Shopify (products/delete")
    # The history stays: the merchant can still see what the product was.
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 1


@pytest.mark.parametrize("topic", ["customers/data_request", "customers/redact"])
def test_customer_requests_are_acknowledged_without_logging_customer_data(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture, topic: str
) -> None:
    installed_shop(SHOP)
    rows_before = db.session.scalar(select(func.count()).select_from(Shop))
    with caplog.at_level(logging.INFO, logger="app"):
        recorded = process(app, client, topic, shop_body(topic, SHOP), f"wh-{topic}")
    assert recorded.topic == topic
    assert db.session.scalar(select(func.count()).select_from(Shop)) == rows_before
    messages = [record.getMessage() for record in caplog.records]
    assert any("holds no customer data" in m and "191167" in m for m in messages)
    for message in messages:
        assert "john@example.com" not in message
        assert "555-625-1199" not in message


def test_shop_redact_deletes_every_row_of_that_shop_and_none_of_another(
    app: Flask, client: FlaskClient
) -> None:
    redis = current_broker().redis
    shops = {}
    keys: dict[str, list[str]] = {}
    for domain in (SHOP, OTHER):
        shop = make_shop(domain, uninstalled_at=datetime(2026, 6, 1, tzinfo=UTC))
        product = make_product(shop)
        make_observation(product)
        db.session.add(
            WebhookEvent(webhook_id=f"old-{domain}", shop_domain=domain, topic="app/uninstalled")
        )
        shops[domain] = shop.id
        keys[domain] = [
            f"pricebridge:shop:{shop.id}:events",
            f"pricebridge:shop:{domain}:lock",
            f"pricebridge:pricing:pushed:{shop.id}:{product.shopify_variant_gid}",
            f"pricebridge:shopify:throttle:{domain}",
        ]
        for key in keys[domain]:
            redis.set(key, "1")
    db.session.commit()

    process(app, client, "shop/redact", shop_body("shop/redact", SHOP), "wh-redact", shop=SHOP)

    db.session.expire_all()
    assert set(db.session.scalars(select(Shop.domain))) == {OTHER}
    assert set(db.session.scalars(select(Product.shop_id))) == {shops[OTHER]}
    assert set(db.session.scalars(select(Observation.shop_id))) == {shops[OTHER]}
    assert set(db.session.scalars(select(WebhookEvent.webhook_id))) == {"wh-redact", f"old-{OTHER}"}
    assert redis.exists(*keys[SHOP]) == 0
    assert redis.exists(*keys[OTHER]) == len(keys[OTHER])


def test_shop_redact_for_a_shop_already_gone_is_acknowledged(
    app: Flask, client: FlaskClient
) -> None:
    recorded = process(app, client, "shop/redact", shop_body("shop/redact", SHOP), "wh-redact-gone")
    assert recorded.shop_domain == SHOP


def test_topics_for_unknown_shops_change_nothing(app: Flask, client: FlaskClient) -> None:
    shop = installed_shop(OTHER)
    make_product(shop, shopify_product_gid=PRODUCT_GID, shopify_variant_gid=SMALL)
    db.session.commit()
    for topic in ("app/uninstalled", "app/scopes_update", "products/update", "products/delete"):
        process(app, client, topic, fixture_body(topic), f"wh-unknown-{topic}")
    db.session.expire_all()
    assert shop.is_installed
    assert shop.scopes == "write_products"
    assert db.session.scalar(select(func.count()).select_from(Product)) == 1
