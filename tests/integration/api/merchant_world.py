"""A merchant's whole world for API tests: the app and the whole simulated Shopify, each over
real HTTP, webhooks signed and delivered to the app, jobs run in this process on demand.

The merchant acts through `/api` (with App Bridge session tokens the simulator issues) and
through the simulated admin's own hand (`/_sim/products`); Amazon's side is an observation
recorded for a product, as a poll would record it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select

from app.broker import current_broker
from app.extensions import db
from app.models import Observation, Product, Shop
from app.price_changes.propose import on_observation
from simulators.shopify.app import Simulator, SimulatorConfig, create_app, simulator
from tests.integration.factories import make_observation
from tests.integration.shopify.test_webhooks import InProcessAppWorker
from tests.support import TEST_SHOPIFY_API_KEY, TEST_SHOPIFY_API_SECRET, serving

DOMAIN = "merchant.myshopify.com"
MERCHANT = "902541635"  # the simulated shop's owner: the `sub` of its session tokens
QUEUES = ("push", "webhooks", "default")


def open_world(app: Flask, make_app: Callable[..., Flask]) -> Iterator[World]:
    """The app and the simulated Shopify, the shop installed through a real token exchange."""
    served: Flask | None = None

    def late_app(environ: dict[str, Any], start_response: Any) -> Any:
        assert served is not None  # requests arrive only once the simulator sends them
        return served(environ, start_response)

    with serving(late_app) as app_url:
        config = SimulatorConfig(
            api_key=TEST_SHOPIFY_API_KEY,
            api_secret=TEST_SHOPIFY_API_SECRET,
            app_url=app_url,
            webhook_retries=0,
        )
        sim_app = create_app(config)
        with serving(sim_app) as sim_url:
            served = make_app(
                SHOPIFY_ADMIN_ORIGIN=f"{sim_url}/shops/{{shop}}", SHOPIFY_APP_URL=app_url
            )
            with served.app_context():
                here = World(served, simulator(sim_app), sim_url)
                here.sim.install(DOMAIN)
                status, body = here.api("GET", "/api/shop")
                assert status == 200, body
                shop = here.shop()
                shop.currency, shop.markup_percent = "USD", Decimal("30.00")
                db.session.commit()
                yield here
                here.sim.webhooks.flush(timeout=5)
                db.session.remove()


@dataclass
class World:
    app: Flask
    sim: Simulator
    sim_url: str
    domain: str = DOMAIN
    clock: datetime = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    # -- the merchant in PriceBridge ------------------------------------------------------

    def api(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        record = self.sim.registry.shop(self.domain)
        assert record is not None
        token = self.sim.session_tokens.issue(record)
        response = self.app.test_client().open(
            path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )
        return response.status_code, response.get_json()

    def shop(self) -> Shop:
        db.session.expire_all()
        shop = db.session.scalar(select(Shop).where(Shop.domain == self.domain))
        assert shop is not None
        return shop

    def link(self, variant: dict[str, Any], **body: Any) -> tuple[int, Any]:
        payload = {"shopify_variant_gid": variant["admin_graphql_api_id"], **body}
        payload.setdefault("asin", "B0CYVN8CCQ")
        payload.setdefault("marketplace", "com")
        return self.api("POST", "/api/products", json=payload)

    def changes(self, product_id: int) -> list[dict[str, Any]]:
        status, body = self.api("GET", f"/api/price-changes?product_id={product_id}")
        assert status == 200, body
        items: list[dict[str, Any]] = body["items"]
        return items

    # -- the merchant's own hand in Shopify -------------------------------------------------

    def sim_call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.request(
            method, f"{self.sim_url}{path}", json={"shop": self.domain, **body}, timeout=30
        )
        assert response.ok, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def create_product(self, *prices: str, title: str = "Espresso grinder") -> dict[str, Any]:
        variants = [
            {"title": f"Option {n}", "price": price, "sku": f"SKU-{n}"}
            for n, price in enumerate(prices, start=1)
        ]
        answer = self.sim_call("POST", "/_sim/products", {"title": title, "variants": variants})
        product: dict[str, Any] = answer["product"]
        return product

    def edit_price(self, product: dict[str, Any], variant: dict[str, Any], price: str) -> None:
        path = f"/_sim/products/{product['id']}/variants/{variant['id']}"
        answer = self.sim_call("PATCH", path, {"price": price, "wait": True})
        assert [w["delivery"]["status"] for w in answer["webhooks"]] == [200]

    def delete_product(self, product: dict[str, Any]) -> None:
        answer = self.sim_call("DELETE", f"/_sim/products/{product['id']}", {"wait": True})
        assert [w["delivery"]["status"] for w in answer["webhooks"]] == [200]

    def shopify_price(self, variant: dict[str, Any]) -> str:
        state = self.sim.admin_api.store.shop(self.domain)
        with state.lock:
            return str(state.variants[variant["id"]].price)

    # -- Amazon and the workers -------------------------------------------------------------

    def observe(self, product_id: int, price: str, currency: str = "USD", **fields: Any) -> None:
        """Amazon shows `price` now: record the observation and let pricing react."""
        self.clock += timedelta(seconds=14)
        product = db.session.get(Product, product_id)
        assert product is not None
        observation: Observation = make_observation(
            product, price=Decimal(price), currency=currency, observed_at=self.clock, **fields
        )
        db.session.commit()
        on_observation(product_id, observation.id)

    def run_jobs(self) -> None:
        """Run every queued push, webhook and default job, and what they enqueue, here."""
        self.sim.webhooks.flush()
        broker = current_broker()
        queues = [broker.queue(name) for name in QUEUES]
        InProcessAppWorker(queues, connection=broker.redis, app=self.app).work(burst=True)
        self.sim.webhooks.flush()  # the echoes of our own writes
        InProcessAppWorker(queues, connection=broker.redis, app=self.app).work(burst=True)
        db.session.expire_all()
