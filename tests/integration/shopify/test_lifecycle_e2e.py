"""A shop's whole life over real HTTP: the app and the Shopify simulator each on a port.

install -> token exchange -> API call -> refresh (rotation) -> uninstall -> shop/redact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import requests
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import Product, Shop, WebhookEvent
from app.shopify.shop_tokens import valid_access_token
from simulators.shopify.app import SimulatorConfig, create_app, simulator
from tests.integration.factories import make_product
from tests.integration.shopify.test_webhooks import run_webhook_jobs
from tests.support import (
    SHOPIFY_SIM_DATA,
    TEST_SHOPIFY_API_KEY,
    TEST_SHOPIFY_API_SECRET,
    free_port,
    serving,
)

SHOP = "lifecycle.myshopify.com"


def shop_row() -> Shop | None:
    db.session.expire_all()
    return db.session.scalar(select(Shop).where(Shop.domain == SHOP))


def test_install_exchange_call_refresh_uninstall_redact(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    app_port = free_port()
    sim_app = create_app(
        SimulatorConfig(
            api_key=TEST_SHOPIFY_API_KEY,
            api_secret=TEST_SHOPIFY_API_SECRET,
            app_url=f"http://127.0.0.1:{app_port}",
            webhook_retries=0,
            fixtures_dir=SHOPIFY_SIM_DATA / "webhooks",
        )
    )
    sim = simulator(sim_app)
    with serving(sim_app) as sim_url:
        pricebridge = make_app(SHOPIFY_ADMIN_ORIGIN=f"{sim_url}/shops/{{shop}}")
        with serving(pricebridge, port=app_port) as app_url:
            # Install: the admin opens the app; its first API call exchanges the token.
            sim.install(SHOP)
            record = sim.registry.shop(SHOP)
            assert record is not None
            bearer = {"Authorization": f"Bearer {sim.session_tokens.issue(record)}"}
            answer = requests.get(f"{app_url}/api/shop", headers=bearer, timeout=10)
            assert answer.status_code == 200, answer.text
            assert answer.json()["installed"] is True
            shop = shop_row()
            assert shop is not None
            assert shop.access_token is not None
            assert sim.registry.authorize(SHOP, shop.access_token)
            make_product(shop)
            db.session.commit()

            # Refresh: the access token expires at Shopify; a refresh rotates the pair.
            old = shop.access_token
            assert shop.access_token_expires_at is not None
            requests.post(f"{sim_url}/_sim/tokens/expire", json={"shop": SHOP}, timeout=5)
            assert not sim.registry.authorize(SHOP, old)
            with pricebridge.app_context():
                row = db.session.scalar(select(Shop).where(Shop.domain == SHOP))
                assert row is not None
                due = shop.access_token_expires_at - timedelta(minutes=1)
                fresh = valid_access_token(row, now=due)
            assert fresh != old
            assert sim.registry.authorize(SHOP, fresh)

            # Uninstall: Shopify sends app/uninstalled; the tokens go, polling stops.
            assert sim.uninstall(SHOP)
            sim.webhooks.flush(timeout=10)
            run_webhook_jobs(pricebridge)
            shop = shop_row()
            assert shop is not None
            assert shop.access_token is None
            assert not shop.is_installed
            assert db.session.scalars(select(Product.status)).all() == ["paused"]

            # shop/redact, 48 hours later: every row of the shop goes.
            payload = sim.webhooks.fixture_json("shop_redact.json", SHOP)
            delivered = sim.webhooks.deliver("shop/redact", SHOP, payload)
            assert delivered.status == 200
            run_webhook_jobs(pricebridge)
            assert shop_row() is None
            assert db.session.scalar(select(func.count()).select_from(Product)) == 0
            statuses = [entry["status"] for entry in sim.webhooks.log()]
            assert statuses == [200, 200]
            assert db.session.scalar(
                select(WebhookEvent.processed_at).where(WebhookEvent.topic == "shop/redact")
            )
