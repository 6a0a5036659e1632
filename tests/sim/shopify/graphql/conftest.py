"""A tiny Flask app around the simulated Admin GraphQL API, with a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from simulators.shopify.graphql import register_admin_api
from tests.sim.shopify.graphql.harness import SHOP, TOKEN, FakeClock, Harness


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def harness(clock: FakeClock) -> Harness:
    tokens = {SHOP: TOKEN}
    app = Flask(__name__)
    updates: list[tuple[str, dict[str, Any]]] = []
    admin = register_admin_api(
        app,
        authorize=lambda shop, token: tokens.get(shop) == token,
        on_product_update=lambda shop, payload: updates.append((shop, payload)),
        clock=clock,
    )
    admin.store.seed_shop(SHOP, "USD", "standard", locations=2)
    admin.store.seed_products(SHOP, 5, 3, seed=7)
    return Harness(app.test_client(), admin, clock, updates)


@pytest.fixture
def first_product(harness: Harness) -> Callable[[], dict[str, Any]]:
    def load() -> dict[str, Any]:
        data = harness.data(
            "{ products(first: 1) { nodes { id variants(first: 10) { nodes { id price"
            " inventoryItem { id } } } } } }"
        )
        product: dict[str, Any] = data["products"]["nodes"][0]
        return product

    return load
