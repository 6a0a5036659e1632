"""A live Shopify simulator on a free port, and PriceBridge pointed at it (PostgreSQL, Redis)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from simulators.shopify.app import Simulator, SimulatorConfig, create_app, simulator
from tests.support import TEST_SHOPIFY_API_KEY, TEST_SHOPIFY_API_SECRET, serving

APP_URL = "https://pricebridge.test"


@dataclass
class LiveSimulator:
    url: str
    sim: Simulator
    grant_types: list[str] = field(default_factory=list)

    @property
    def origin_template(self) -> str:
        return f"{self.url}/shops/{{shop}}"

    def session_token(self, shop: str) -> str:
        record = self.sim.registry.shop(shop)
        assert record is not None, f"{shop} never installed in the simulator"
        return self.sim.session_tokens.issue(record)

    def refreshes(self) -> int:
        return self.grant_types.count("refresh_token")


class _CountGrants:
    """WSGI middleware noting the grant_type of every token request (the body is re-buffered)."""

    def __init__(self, wsgi: Any, live: LiveSimulator) -> None:
        self.wsgi, self.live = wsgi, live

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"].endswith("/admin/oauth/access_token"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            grant = (
                "refresh_token"
                if b'"grant_type":"refresh_token"' in body.replace(b" ", b"")
                else "other"
            )
            self.live.grant_types.append(grant)
        return self.wsgi(environ, start_response)


@pytest.fixture
def shopify_sim() -> Iterator[LiveSimulator]:
    config = SimulatorConfig(
        api_key=TEST_SHOPIFY_API_KEY,
        api_secret=TEST_SHOPIFY_API_SECRET,
        app_url=APP_URL,
        webhook_url="http://127.0.0.1:9/webhooks",  # nothing listens: deliveries just fail
        webhook_retries=0,
    )
    sim_app = create_app(config)
    live = LiveSimulator("", simulator(sim_app))
    with serving(_CountGrants(sim_app, live)) as url:
        live.url = url
        yield live
    live.sim.webhooks.flush(timeout=5)


@pytest.fixture
def pb(app: Flask, make_app: Any, shopify_sim: LiveSimulator) -> Iterator[Flask]:
    """PriceBridge on the session's database and Redis, talking to the simulator."""
    made: Flask = make_app(
        SHOPIFY_ADMIN_ORIGIN=shopify_sim.origin_template,
        SHOPIFY_APP_URL=APP_URL,
    )
    with made.app_context():
        yield made
