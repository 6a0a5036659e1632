"""A dependency outage answers 503 with Retry-After and a stable code, never 500 (issue 14:
with Redis down `POST /api/products/{id}/refresh` answered 500; with PostgreSQL down
`GET /api/products` and webhooks did)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import WebhookEvent
from tests.integration.api.test_products import A
from tests.integration.factories import auth, installed, make_product
from tests.integration.shopify.test_webhooks import (
    drain_ids,
    fixture_body,
    installed_shop,
    webhook_headers,
)
from tests.support import session_token


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_unavailable(response: object, dependency: str) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.headers["Retry-After"] == "5"  # type: ignore[attr-defined]
    error = response.get_json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "service_unavailable"
    assert error["details"] == {"dependency": dependency}


def test_redis_down_answers_503_on_refresh(app: Flask, make_app: Callable[..., Flask]) -> None:
    product = make_product(installed(A))
    db.session.commit()
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = down.test_client().post(f"/api/products/{product.id}/refresh", headers=auth(A))
    assert_unavailable(response, "redis")


def test_postgresql_down_answers_503_on_the_api_and_the_embedded_page(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    down = make_app(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed_port()}/test")
    client = down.test_client()
    assert_unavailable(client.get("/api/products", headers=auth(A)), "database")
    token = session_token(A, now=time.time())
    page = client.get("/app", query_string={"id_token": token, "shop": A})
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"


def test_postgresql_down_answers_503_to_a_webhook_so_shopify_retries(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    down = make_app(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed_port()}/test")
    body = fixture_body("app/uninstalled")
    response = down.test_client().post(
        "/webhooks",
        data=body,
        headers=webhook_headers("app/uninstalled", body),
        content_type="application/json",
    )
    assert_unavailable(response, "database")


def test_redis_down_on_a_webhook_answers_503_and_the_retry_enqueues_it(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    installed_shop()
    body = fixture_body("app/uninstalled")
    headers = webhook_headers("app/uninstalled", body, webhook_id="wh-redis-down")
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    first = down.test_client().post(
        "/webhooks", data=body, headers=headers, content_type="application/json"
    )
    assert_unavailable(first, "redis")
    # The delivery is recorded (PostgreSQL was up), so nothing is lost while Redis is down ...
    assert db.session.scalars(select(WebhookEvent.webhook_id)).all() == ["wh-redis-down"]
    # ... and Shopify's retry, once Redis is back, enqueues the job the first attempt could not.
    retry = app.test_client().post(
        "/webhooks", data=body, headers=headers, content_type="application/json"
    )
    assert retry.status_code == 200
    assert len(drain_ids()) == 1
