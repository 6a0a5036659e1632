"""Flask wiring: the per-shop Admin GraphQL endpoint and the `/_sim/graphql` control endpoints."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request

from simulators.shopify.graphql.errors import INVALID_TOKEN
from simulators.shopify.graphql.executor import Executor
from simulators.shopify.graphql.faults import Fault, Faults
from simulators.shopify.graphql.paging import gid, iso, money
from simulators.shopify.graphql.schema import API_VERSION, load_schema
from simulators.shopify.graphql.stats import Stats
from simulators.shopify.graphql.store import Store, UnknownShopError
from simulators.shopify.graphql.throttle import Buckets

Authorize = Callable[[str, str], bool]
ProductUpdateHook = Callable[[str, dict[str, Any]], None]
Clock = Callable[[], datetime]

FAULT_BODIES = {
    429: {
        "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume"
        " uninterrupted service."
    },
    500: {"errors": "Internal Server Error"},
    502: {"errors": "Bad Gateway"},
    503: {"errors": "Service Unavailable"},
    504: {"errors": "Gateway Timeout"},
}


class AdminGraphQL:
    """One simulated Admin GraphQL API serving many shops."""

    def __init__(
        self,
        *,
        authorize: Authorize,
        on_product_update: ProductUpdateHook,
        clock: Clock,
        schema_path: Path | None = None,
        versions: tuple[str, ...] = (API_VERSION,),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.authorize = authorize
        self.on_product_update = on_product_update
        self.clock = clock
        self.versions = versions
        self.sleep = sleep
        self.store = Store(clock)
        self.buckets = Buckets()
        self.stats = Stats()
        self.faults = Faults()
        self.executor = Executor(
            load_schema(schema_path), self.store, self.buckets, self.stats, self.faults, clock
        )

    def handle(self, shop: str, version: str) -> tuple[Response, int]:
        if version not in self.versions:
            return jsonify({"errors": "Not Found"}), 404
        token = request.headers.get("X-Shopify-Access-Token", "")
        if not self.authorize(shop, token):
            return jsonify({"errors": INVALID_TOKEN}), 401
        self.store.ensure_shop(shop)  # an installed shop always has an Admin API
        fault = self.faults.take(shop, ("http", "timeout"))
        if fault is not None and fault.kind == "http":
            self.stats.fault(shop)
            response = jsonify(FAULT_BODIES[fault.status])
            if fault.status == 429:
                response.headers["Retry-After"] = "2.0"
            return response, fault.status
        if fault is not None:
            self.sleep(fault.sleep_seconds)  # the request still runs: the client gave up
        outcome = self.executor.run(shop, request.get_json(silent=True) or {})
        for payload in outcome.product_updates:
            self.on_product_update(shop, payload)
        return jsonify(outcome.body), outcome.status

    def variants(self, shop: str) -> list[dict[str, Any]]:
        state = self.store.shop(shop)
        with state.lock:
            return [
                {
                    "id": gid("ProductVariant", v.id),
                    "product_id": gid("Product", v.product_id),
                    "title": v.title,
                    "product_title": state.products[v.product_id].title,
                    "inventory_item_id": gid("InventoryItem", v.inventory_item_id),
                    "sku": v.sku,
                    "price": money(v.price),
                    "compare_at_price": money(v.compare_at_price),
                    "updated_at": iso(v.updated_at),
                    "inventory": {
                        gid("Location", loc): dict(state.levels.get((v.inventory_item_id, loc), {}))
                        for loc in state.locations
                    },
                }
                for v in state.variants.values()
            ]

    def reset(self) -> None:
        self.store.clear()
        self.buckets.clear()
        self.stats.clear()
        self.faults.clear()


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object body")
    return body


def _register_control(app: Flask, admin: AdminGraphQL) -> None:
    def seed() -> tuple[Response, int]:
        body = _json_body()
        shop = str(body["shop"])
        state = admin.store.seed_shop(
            shop,
            body.get("currency", "USD"),
            body.get("plan", "standard"),
            name=body.get("name"),
            locations=int(body.get("locations", 1)),
        )
        admin.store.seed_products(
            shop,
            int(body.get("products", 0)),
            int(body.get("variants_per_product", 1)),
            seed=int(body.get("seed", 0)),
        )
        return jsonify(
            {"shop": shop, "products": len(state.products), "variants": len(state.variants)}
        ), 201

    def faults() -> tuple[Response, int]:
        if request.method == "DELETE":
            admin.faults.clear()
            return jsonify({"armed": []}), 200
        admin.faults.arm(Fault.from_json(_json_body()))
        return jsonify({"armed": admin.faults.pending()}), 201

    def stats() -> tuple[Response, int]:
        return jsonify(admin.stats.to_json(request.args.get("shop"))), 200

    def variants() -> tuple[Response, int]:
        return jsonify({"variants": admin.variants(request.args.get("shop", ""))}), 200

    def reset() -> tuple[Response, int]:
        admin.reset()
        return jsonify({"reset": True}), 200

    routes: list[tuple[str, Callable[[], tuple[Response, int]], list[str]]] = [
        ("seed", seed, ["POST"]),
        ("faults", faults, ["POST", "DELETE"]),
        ("stats", stats, ["GET"]),
        ("variants", variants, ["GET"]),
        ("reset", reset, ["POST"]),
    ]
    for name, view, methods in routes:
        app.add_url_rule(
            f"/_sim/graphql/{name}",
            endpoint=f"shopify_sim_graphql_{name}",
            view_func=view,
            methods=methods,
        )


def register_admin_api(
    app: Flask, *, authorize: Authorize, on_product_update: ProductUpdateHook, clock: Clock
) -> AdminGraphQL:
    """Mount `POST /shops/<shop>/admin/api/<version>/graphql.json` and `/_sim/graphql/*`."""
    admin = AdminGraphQL(authorize=authorize, on_product_update=on_product_update, clock=clock)
    mount_admin_api(app, admin)
    return admin


def mount_admin_api(app: Flask, admin: AdminGraphQL) -> None:
    """Serve an existing AdminGraphQL at the per-shop endpoint and `/_sim/graphql/*`."""
    app.add_url_rule(
        "/shops/<shop>/admin/api/<version>/graphql.json",
        endpoint="shopify_sim_admin_graphql",
        view_func=admin.handle,
        methods=["POST"],
    )
    _register_control(app, admin)

    @app.errorhandler(UnknownShopError)
    def unknown_shop(error: UnknownShopError) -> tuple[Response, int]:
        return jsonify({"error": str(error)}), 404
