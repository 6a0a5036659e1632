"""The Shopify simulator's WebhookSender against a live app server (real HTTP, PostgreSQL, Redis).

The figure issue 3 asks for: a good HMAC is answered 200 and processed once, a tampered body
401, and a duplicate 200 without being processed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import WebhookEvent
from app.shopify.webhook_handlers import ReceivedWebhook
from simulators.shopify.app import Simulator, SimulatorConfig, create_app, simulator
from tests.integration.shopify.test_webhooks import (
    drain_ids,
    handled,  # noqa: F401  (fixture)
    installed_shop,
    run_webhook_jobs,
)
from tests.support import SHOPIFY_SIM_DATA, TEST_SHOPIFY_API_KEY, TEST_SHOPIFY_API_SECRET, serving

SHOP = "webhook-shop.myshopify.com"
SIM_NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_url(app: Flask, make_app: Callable[..., Flask]) -> Iterator[str]:
    """A second app on the session's PostgreSQL schema and Redis database, served over HTTP."""
    served = make_app()
    with serving(served) as url:
        yield url


@pytest.fixture
def sim(app_url: str) -> Simulator:
    config = SimulatorConfig(
        api_key=TEST_SHOPIFY_API_KEY,
        api_secret=TEST_SHOPIFY_API_SECRET,
        app_url=app_url,
        webhook_retries=0,
        fixtures_dir=SHOPIFY_SIM_DATA / "webhooks",
        clock=lambda: SIM_NOW,
    )
    return simulator(create_app(config))


def recorded_ids() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(WebhookEvent.webhook_id)))


def test_good_hmac_200_processed_once_tampered_401_duplicate_200_not_processed_twice(
    app: Flask,
    sim: Simulator,
    handled: list[ReceivedWebhook],  # noqa: F811
) -> None:
    shop = installed_shop(SHOP)
    sender = sim.webhooks
    payload = sender.fixture_json("app/uninstalled", SHOP)

    good = sender.deliver("app/uninstalled", SHOP, payload, webhook_id="e2e-good")
    tampered = sender.deliver(
        "app/uninstalled", SHOP, payload, webhook_id="e2e-forged", tamper=True
    )
    duplicate = sender.deliver("app/uninstalled", SHOP, payload, webhook_id="e2e-good")
    assert (good.status, tampered.status, duplicate.status) == (200, 401, 200)
    assert len(drain_ids(SHOP)) == 1

    run_webhook_jobs(app)
    late_duplicate = sender.deliver("app/uninstalled", SHOP, payload, webhook_id="e2e-good")
    run_webhook_jobs(app)

    assert late_duplicate.status == 200
    assert [call.webhook_id for call in handled] == ["e2e-good"]
    assert recorded_ids() == {"e2e-good"}
    processed = db.session.get(WebhookEvent, "e2e-good")
    assert processed is not None
    assert processed.processed_at is not None
    assert processed.triggered_at == SIM_NOW
    db.session.refresh(shop)
    assert shop.access_token is None
    assert shop.uninstalled_at == SIM_NOW
    assert [entry["status"] for entry in sender.log()] == [200, 401, 200, 200]


def test_lowercase_shopify_headers_and_compliance_topics_over_http(
    app: Flask,
    sim: Simulator,
    handled: list[ReceivedWebhook],  # noqa: F811
) -> None:
    sender = sim.webhooks
    topics = ("customers/data_request", "customers/redact", "shop/redact")
    results = [
        sender.deliver(topic, SHOP, sender.fixture_json(topic, SHOP), header_style="shopify")
        for topic in topics
    ]
    assert [result.status for result in results] == [200, 200, 200]
    run_webhook_jobs(app)
    assert sorted(call.topic for call in handled) == sorted(topics)
    assert {call.shop_domain for call in handled} == {SHOP}


def test_the_simulators_uninstall_reaches_the_app_and_drops_the_tokens(
    app: Flask,
    sim: Simulator,
    handled: list[ReceivedWebhook],  # noqa: F811
) -> None:
    shop = installed_shop(SHOP)
    sim.install(SHOP)
    assert sim.uninstall(SHOP)
    sim.webhooks.flush()
    assert [entry["status"] for entry in sim.webhooks.log()] == [200]

    run_webhook_jobs(app)
    assert [call.topic for call in handled] == ["app/uninstalled"]
    db.session.refresh(shop)
    assert shop.access_token is None
    assert not shop.is_installed
