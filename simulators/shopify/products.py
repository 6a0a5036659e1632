"""The merchant's hand: the admin's Products page and the same edits as `/_sim/products`.

Creating a product, editing a variant's price, deleting a variant or a product change the
simulated store and send the webhooks Shopify would send to an installed app subscribed to
them (`products/update`, `products/delete`; `products/create` only when subscribed), signed,
in the background. Control endpoints (JSON, `shop` in the body or the query string):

- `GET /_sim/products?shop=S`: the shop's products, REST-shaped as in webhooks;
- `POST /_sim/products` `{shop, title, vendor?, variants: [{title, price, sku?,
  compare_at_price?, available?}]}`: 201 with the product;
- `PATCH /_sim/products/<id>/variants/<id>` `{shop, price, compare_at_price?}`;
- `DELETE /_sim/products/<id>/variants/<id>` and `DELETE /_sim/products/<id>` `{shop}`.

Each answer lists the webhooks sent; with `"wait": true` it waits for each delivery and
includes the app's answer, so a test needs no sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from simulators.shopify.auth import shop_domain, shop_name
from simulators.shopify.graphql.merchant import (
    MerchantEditError,
    NewVariant,
    NotFoundError,
    Webhook,
    create_product,
    delete_product,
    delete_variant,
    parse_price,
    set_variant_price,
)
from simulators.shopify.graphql.rest import product_update_payload
from simulators.shopify.graphql.store import Product
from simulators.shopify.webhooks import DeliveryResult

if TYPE_CHECKING:
    from simulators.shopify.app import Simulator

Edit = Callable[[], tuple[Product, list[Webhook]]]
FORM_ROWS = 3
DELIVERY_WAIT_SECONDS = 60.0


class MerchantHand:
    """Runs one edit on the store and sends its webhooks."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> Any:
        return self.sim.admin_api.store

    def products(self, shop: str) -> list[dict[str, Any]]:
        state = self.store.ensure_shop(shop)
        with state.lock:
            return [product_update_payload(state, p) for p in state.products.values()]

    def apply(
        self, shop: str, edit: Edit, *, wait: bool = False
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Run `edit`, send its webhooks; (the product as it is now or None, webhooks sent)."""
        product, webhooks = edit()
        state = self.store.shop(shop)
        with state.lock:
            alive = product.id in state.products
            body = product_update_payload(state, product) if alive else None
        sent = self.sim.notify(shop, webhooks)
        return body, [_sent(topic, future, wait) for topic, future in sent]


def _sent(topic: str, future: Future[DeliveryResult], wait: bool) -> dict[str, Any]:
    if not wait:
        return {"topic": topic, "delivery": None}
    return {"topic": topic, "delivery": asdict(future.result(timeout=DELIVERY_WAIT_SECONDS))}


# -- control endpoints ---------------------------------------------------------------------


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        abort(400, "body must be a JSON object")
    return body


def _shop(body: dict[str, Any]) -> str:
    try:
        return shop_domain(str(body.get("shop") or request.args.get("shop", "")))
    except ValueError as error:
        abort(400, str(error))


class ProductControl:
    def __init__(self, hand: MerchantHand) -> None:
        self.hand = hand

    def _run(self, body: dict[str, Any], edit: Edit, status: int = 200) -> tuple[Response, int]:
        shop = _shop(body)
        try:
            product, webhooks = self.hand.apply(shop, edit, wait=bool(body.get("wait")))
        except MerchantEditError as error:
            return jsonify({"error": str(error)}), 422
        except NotFoundError as error:
            return jsonify({"error": str(error)}), 404
        return jsonify({"product": product, "webhooks": webhooks}), status

    def index(self) -> Response:
        return jsonify({"products": self.hand.products(_shop({}))})

    def create(self) -> tuple[Response, int]:
        body = _body()
        shop = _shop(body)
        variants = body.get("variants")
        if not isinstance(variants, list):
            return jsonify({"error": "variants must be a list of objects"}), 422
        try:
            specs = [NewVariant.from_json(v, i) for i, v in enumerate(variants)]
        except MerchantEditError as error:
            return jsonify({"error": str(error)}), 422
        store = self.hand.store
        title, vendor = str(body.get("title") or ""), str(body.get("vendor") or "PriceBridge Demo")
        return self._run(
            body, lambda: create_product(store, shop, title, specs, vendor=vendor), 201
        )

    def edit_variant(self, product_id: int, variant_id: int) -> tuple[Response, int]:
        body = _body()
        shop, store = _shop(body), self.hand.store
        try:
            price = parse_price(body.get("price"))
            compare_at: Any = ...
            if "compare_at_price" in body:
                raw = body["compare_at_price"]
                compare_at = None if raw in (None, "") else parse_price(raw, "Compare at price")
        except MerchantEditError as error:
            return jsonify({"error": str(error)}), 422
        return self._run(
            body,
            lambda: set_variant_price(
                store, shop, variant_id, price, compare_at, product_id=product_id
            ),
        )

    def remove_variant(self, product_id: int, variant_id: int) -> tuple[Response, int]:
        body = _body()
        shop, store = _shop(body), self.hand.store
        return self._run(
            body, lambda: delete_variant(store, shop, variant_id, product_id=product_id)
        )

    def remove_product(self, product_id: int) -> tuple[Response, int]:
        body = _body()
        shop, store = _shop(body), self.hand.store
        return self._run(body, lambda: delete_product(store, shop, product_id))


# -- the admin's Products page ---------------------------------------------------------------


class ProductsPage:
    def __init__(self, sim: Simulator, hand: MerchantHand) -> None:
        self.sim = sim
        self.hand = hand

    def _domain(self, name: str) -> str:
        try:
            return shop_domain(name)
        except ValueError:
            abort(404)

    def show(self, name: str, error: str | None = None, status: int = 200) -> tuple[str, int]:
        shop = self._domain(name)
        page = render_template(
            "products.html",
            shop=shop,
            shop_name=shop_name(shop),
            api_key=self.sim.config.api_key,
            products=self.hand.products(shop),
            notice=request.args.get("notice"),
            error=error,
            rows=range(FORM_ROWS),
            active_products=True,
        )
        return page, status

    def _done(self, name: str, edit: Edit, notice: str) -> Response | tuple[str, int]:
        shop = self._domain(name)
        try:
            self.hand.apply(shop, edit)
        except (MerchantEditError, NotFoundError) as error:
            return self.show(name, str(error), 422)
        return redirect(f"/store/{name}/products?{urlencode({'notice': notice})}", 303)

    def create(self, name: str) -> Response | tuple[str, int]:
        shop, form = self._domain(name), request.form
        try:
            specs = [
                NewVariant.from_json(row, index) for index, row in enumerate(_variant_rows(form))
            ]
        except MerchantEditError as error:
            return self.show(name, str(error), 422)
        title, store = form.get("title", ""), self.hand.store
        return self._done(
            name, lambda: create_product(store, shop, title, specs), f"Created {title.strip()}"
        )

    def edit_price(self, name: str, product_id: int, variant_id: int) -> Response | tuple[str, int]:
        shop, form, store = self._domain(name), request.form, self.hand.store
        try:
            price = parse_price(form.get("price", ""))
            raw = form.get("compare_at_price", "").strip()
            compare_at = parse_price(raw, "Compare at price") if raw else None
        except MerchantEditError as error:
            return self.show(name, str(error), 422)
        return self._done(
            name,
            lambda: set_variant_price(
                store, shop, variant_id, price, compare_at, product_id=product_id
            ),
            f"Price saved: {price}",
        )

    def delete_variant(
        self, name: str, product_id: int, variant_id: int
    ) -> Response | tuple[str, int]:
        shop, store = self._domain(name), self.hand.store
        return self._done(
            name,
            lambda: delete_variant(store, shop, variant_id, product_id=product_id),
            "Variant deleted",
        )

    def delete(self, name: str, product_id: int) -> Response | tuple[str, int]:
        shop, store = self._domain(name), self.hand.store
        return self._done(name, lambda: delete_product(store, shop, product_id), "Product deleted")


def _variant_rows(form: Any) -> list[dict[str, Any]]:
    """The filled rows of the create form (a row with every field blank is skipped)."""
    fields = ("title", "price", "sku", "compare_at_price", "available")
    columns = {name: form.getlist(f"variant_{name}") for name in fields}
    rows = []
    for index in range(max((len(c) for c in columns.values()), default=0)):
        row = {name: (values[index] if index < len(values) else "").strip()
               for name, values in columns.items()}  # fmt: skip
        if not any(row.values()):
            continue
        available = row.pop("available")
        if not available.isdigit() and available:
            raise MerchantEditError(f"variant {index + 1} available must be a whole number >= 0")
        rows.append({**{k: v for k, v in row.items() if v}, "available": int(available or 0)})
    return rows


def register_products(app: Flask, sim: Simulator) -> None:
    hand = MerchantHand(sim)
    page, control = ProductsPage(sim, hand), ProductControl(hand)
    rules: list[tuple[str, Any, list[str]]] = [
        ("/store/<name>/products", page.show, ["GET"]),
        ("/store/<name>/products", page.create, ["POST"]),
        ("/store/<name>/products/<int:product_id>/variants/<int:variant_id>/price",
         page.edit_price, ["POST"]),
        ("/store/<name>/products/<int:product_id>/variants/<int:variant_id>/delete",
         page.delete_variant, ["POST"]),
        ("/store/<name>/products/<int:product_id>/delete", page.delete, ["POST"]),
        ("/_sim/products", control.index, ["GET"]),
        ("/_sim/products", control.create, ["POST"]),
        ("/_sim/products/<int:product_id>/variants/<int:variant_id>", control.edit_variant,
         ["PATCH"]),
        ("/_sim/products/<int:product_id>/variants/<int:variant_id>", control.remove_variant,
         ["DELETE"]),
        ("/_sim/products/<int:product_id>", control.remove_product, ["DELETE"]),
    ]  # fmt: skip
    for index, (rule, view, methods) in enumerate(rules):
        app.add_url_rule(rule, f"shopify_sim_products_{index}", view, methods=methods)
