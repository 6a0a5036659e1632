"""A live simulated Admin GraphQL API on a free port, and the app pointed at it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Product, Shop
from simulators.shopify.app import Simulator, SimulatorConfig, create_app, simulator
from simulators.shopify.graphql import AdminGraphQL, register_admin_api
from tests.integration.factories import make_product, make_shop
from tests.support import TEST_SHOPIFY_API_KEY, TEST_SHOPIFY_API_SECRET, serving

TOKEN = "shpat_pricing_test"
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FULL_APP_URL = "https://pricebridge.test"


@dataclass
class LiveShopify:
    origin: str
    admin: AdminGraphQL
    tokens: dict[str, str]
    # products/update payloads per product gid: one per successful bulk price update
    updates: Counter[str] = field(default_factory=Counter)

    @property
    def admin_origin(self) -> str:
        return f"{self.origin}/shops/{{shop}}"

    def seed(
        self,
        shop: str,
        products: int,
        variants: int = 1,
        plan: str = "standard",
        locations: int = 1,
    ) -> list[dict[str, Any]]:
        """Seed the simulated shop; return its variants (gid, product gid, item gid, price)."""
        self.tokens[shop] = TOKEN
        self.admin.store.seed_shop(shop, "USD", plan, locations=locations)
        self.admin.store.seed_products(shop, products, variants)
        return self.admin.variants(shop)

    def prices(self, shop: str) -> dict[str, Decimal]:
        return {v["id"]: Decimal(v["price"]) for v in self.admin.variants(shop)}

    def stats(self, shop: str) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(
            f"{self.origin}/_sim/graphql/stats", params={"shop": shop}, timeout=5
        ).json()[shop]
        return answer

    def stock(self, shop: str, item_gid: str) -> dict[str, int]:
        """``available`` per location gid of one inventory item."""
        [variant] = [v for v in self.admin.variants(shop) if v["inventory_item_id"] == item_gid]
        return {loc: levels["available"] for loc, levels in variant["inventory"].items()}

    def set_stock(self, shop: str, item_gid: str, location_gid: str, quantity: int) -> None:
        """Someone else changes the stock (a sale, the merchant), straight in the store."""
        state = self.admin.store.shop(shop)
        key = (int(item_gid.rsplit("/", 1)[1]), int(location_gid.rsplit("/", 1)[1]))
        with state.lock:
            state.levels[key] = {"available": quantity, "on_hand": quantity}

    def arm(self, **fault: Any) -> None:
        requests.post(
            f"{self.origin}/_sim/graphql/faults", json=fault, timeout=5
        ).raise_for_status()


@pytest.fixture
def shopify() -> Iterator[LiveShopify]:
    sim = Flask("shopify-sim")
    tokens: dict[str, str] = {}
    holder: list[LiveShopify] = []

    def on_update(shop: str, payload: dict[str, Any]) -> None:
        holder[0].updates[payload["admin_graphql_api_id"]] += 1

    admin = register_admin_api(
        sim,
        authorize=lambda shop, token: tokens.get(shop) == token,
        on_product_update=on_update,
        clock=lambda: datetime.now(UTC),
    )
    with serving(sim) as url:
        holder.append(LiveShopify(url, admin, tokens))
        yield holder[0]


@pytest.fixture
def pricing_app(
    app: Flask, make_app: Callable[..., Flask], shopify: LiveShopify
) -> Iterator[Flask]:
    """The app on the session's database and Redis, talking to the live simulator."""
    other = make_app(
        SHOPIFY_ADMIN_ORIGIN=shopify.admin_origin,
    )
    with other.app_context():
        yield other
        db.session.remove()


def linked_shop(
    shopify: LiveShopify, products: int, variants: int = 1, locations: int = 1, **fields: Any
) -> tuple[Shop, list[Product]]:
    """A shop in both worlds: seeded in the simulator, linked products in the database."""
    shop = make_shop(
        currency="USD",
        installed_at=T0,
        access_token=TOKEN,
        # An expiring offline token with a day left, as token exchange leaves it: no refresh.
        access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        refresh_token="shprt_pricing_test",
        markup_percent=Decimal("30.00"),
        **fields,
    )
    rows = []
    for variant in shopify.seed(shop.domain, products, variants, locations=locations):
        rows.append(
            make_product(
                shop,
                shopify_product_gid=variant["product_id"],
                shopify_variant_gid=variant["id"],
                shopify_inventory_item_gid=variant["inventory_item_id"],
                shopify_price=Decimal(variant["price"]),
            )
        )
    db.session.commit()
    return shop, rows


@dataclass
class FullShopify:
    """The whole simulated Shopify (token endpoint, admin controls, Admin GraphQL)."""

    origin: str
    sim: Simulator

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(f"{self.origin}{path}", json=body, timeout=5)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def variants(self, shop: str) -> list[dict[str, Any]]:
        response = requests.get(
            f"{self.origin}/_sim/graphql/variants", params={"shop": shop}, timeout=5
        )
        variants: list[dict[str, Any]] = response.json()["variants"]
        return variants


@pytest.fixture
def full_shopify() -> Iterator[FullShopify]:
    config = SimulatorConfig(
        api_key=TEST_SHOPIFY_API_KEY,
        api_secret=TEST_SHOPIFY_API_SECRET,
        app_url=FULL_APP_URL,
        webhook_url="http://127.0.0.1:9/webhooks",  # nothing listens: deliveries just fail
        webhook_retries=0,
    )
    sim_app = create_app(config)
    with serving(sim_app) as url:
        live = FullShopify(url, simulator(sim_app))
        yield live
    live.sim.webhooks.flush(timeout=5)


@pytest.fixture
def full_app(
    app: Flask, make_app: Callable[..., Flask], full_shopify: FullShopify
) -> Iterator[Flask]:
    """The app on the session's database and Redis, with the whole simulated Shopify."""
    other = make_app(
        SHOPIFY_ADMIN_ORIGIN=f"{full_shopify.origin}/shops/{{shop}}",
        SHOPIFY_APP_URL=FULL_APP_URL,
    )
    with other.app_context():
        yield other
        db.session.remove()


def installed_shop(app: Flask, full_shopify: FullShopify, domain: str, products: int) -> Shop:
    """Installed in the simulator, then through the app's real token exchange (GET /api/shop);
    the simulated store seeded with ``products`` single-variant products, all linked."""
    full_shopify.sim.install(domain)
    record = full_shopify.sim.registry.shop(domain)
    assert record is not None
    session_token = full_shopify.sim.session_tokens.issue(record)
    answer = app.test_client().get(
        "/api/shop", headers={"Authorization": f"Bearer {session_token}"}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    full_shopify.post("/_sim/graphql/seed", {"shop": domain, "products": products})
    shop = db.session.scalar(select(Shop).where(Shop.domain == domain))
    assert shop is not None
    assert shop.access_token_expires_at is not None
    shop.currency, shop.markup_percent = "USD", Decimal("30.00")
    for variant in full_shopify.variants(domain):
        make_product(
            shop,
            shopify_product_gid=variant["product_id"],
            shopify_variant_gid=variant["id"],
            shopify_inventory_item_gid=variant["inventory_item_id"],
            shopify_price=Decimal(variant["price"]),
        )
    db.session.commit()
    return shop
