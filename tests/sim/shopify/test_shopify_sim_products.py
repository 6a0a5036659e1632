"""The merchant's own hand: create, edit and delete products in the admin's Products page and
through `/_sim/products`, each change sending the signed webhook Shopify would send."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient
from shopify_sim_support import SHOP, Receiver, make_config

from simulators.shopify.app import DEFAULT_WEBHOOK_TOPICS, Simulator, create_app, simulator
from simulators.shopify.webhooks import body_hmac

SHOP_NAME = SHOP.split(".")[0]
API = "/shops/{shop}/admin/api/2026-10/graphql.json"


def _create(client: FlaskClient, **extra: Any) -> dict[str, Any]:
    body = {
        "shop": SHOP,
        "title": "Espresso grinder",
        "variants": [
            {"title": "Black", "price": "129.99", "sku": "GRIND-BLK", "available": 7},
            {"title": "Steel", "price": "139", "compare_at_price": "159.00"},
        ],
        "wait": True,
        **extra,
    }
    response = client.post("/_sim/products", json=body)
    assert response.status_code == 201, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def _delivered(receiver: Receiver) -> list[tuple[str, dict[str, Any]]]:
    return [(h["X-Shopify-Topic"], json.loads(body)) for h, body in receiver.requests]


def _variant_by_gql(sim: Simulator, shop: str, variant_gid: str) -> dict[str, Any] | None:
    state = sim.admin_api.store.shop(shop)
    number = int(variant_gid.rsplit("/", 1)[1])
    with state.lock:
        variant = state.variants.get(number)
        return None if variant is None else {"price": str(variant.price)}


def test_create_product_with_variants_stores_them_and_sends_nothing_unsubscribed(
    client: FlaskClient, installed: str, receiver: Receiver, sim: Simulator
) -> None:
    answer = _create(client)

    product = answer["product"]
    assert product["title"] == "Espresso grinder"
    assert product["handle"] == "espresso-grinder"
    black, steel = product["variants"]
    assert (black["title"], black["price"], black["sku"], black["inventory_quantity"]) == (
        "Black", "129.99", "GRIND-BLK", 7,
    )  # fmt: skip
    assert (steel["price"], steel["compare_at_price"], steel["sku"]) == ("139.00", "159.00", None)
    assert black["admin_graphql_api_id"].startswith("gid://shopify/ProductVariant/")
    assert isinstance(black["inventory_item_id"], int)
    # The app subscribes to products/update and products/delete, not products/create.
    assert answer["webhooks"] == []
    assert receiver.requests == []
    listed = client.get("/_sim/products", query_string={"shop": SHOP}).get_json()["products"]
    assert [p["id"] for p in listed] == [product["id"]]


def test_created_product_is_served_by_the_admin_api(
    client: FlaskClient, installed: str, sim: Simulator
) -> None:
    product = _create(client)["product"]
    token = sim.registry.issue(SHOP, "offline", expiring=False).access_token
    query = (
        "query($id: ID!) { productVariant(id: $id) { title price sku"
        " product { id } inventoryItem { id } } }"
    )
    variant = product["variants"][0]
    response = client.post(
        API.format(shop=SHOP),
        json={"query": query, "variables": {"id": variant["admin_graphql_api_id"]}},
        headers={"X-Shopify-Access-Token": token},
    )
    assert response.get_json()["data"]["productVariant"] == {
        "title": "Black",
        "price": "129.99",
        "sku": "GRIND-BLK",
        "product": {"id": product["admin_graphql_api_id"]},
        "inventoryItem": {"id": f"gid://shopify/InventoryItem/{variant['inventory_item_id']}"},
    }


def test_products_create_is_sent_when_subscribed(receiver: Receiver) -> None:
    app = create_app(
        make_config(
            webhook_url=receiver.url, webhook_topics=(*DEFAULT_WEBHOOK_TOPICS, "products/create")
        )
    )
    simulator(app).install(SHOP)
    answer = _create(app.test_client())
    assert [w["topic"] for w in answer["webhooks"]] == ["products/create"]
    [(topic, payload)] = _delivered(receiver)
    assert topic == "products/create"
    assert payload["id"] == answer["product"]["id"]


def test_editing_a_price_by_hand_sends_a_signed_products_update(
    client: FlaskClient, installed: str, receiver: Receiver, sim: Simulator
) -> None:
    product = _create(client)["product"]
    black = product["variants"][0]
    sim.clock.advance(90)

    response = client.patch(
        f"/_sim/products/{product['id']}/variants/{black['id']}",
        json={"shop": SHOP, "price": "119.5", "wait": True},
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["webhooks"][0]["delivery"]["status"] == 200
    [(headers, raw)] = receiver.requests
    assert headers["X-Shopify-Topic"] == "products/update"
    assert headers["X-Shopify-Shop-Domain"] == SHOP
    assert headers["X-Shopify-Hmac-Sha256"] == body_hmac(raw, sim.config.api_secret)
    payload = json.loads(raw)
    assert payload["admin_graphql_api_id"] == product["admin_graphql_api_id"]
    edited = next(v for v in payload["variants"] if v["id"] == black["id"])
    assert edited["price"] == "119.50"
    assert edited["updated_at"] > black["updated_at"]
    assert payload["variant_gids"][0]["admin_graphql_api_id"] == black["admin_graphql_api_id"]
    assert _variant_by_gql(sim, SHOP, black["admin_graphql_api_id"]) == {"price": "119.50"}


def test_edit_keeps_compare_at_unless_given_and_clears_it_with_null(
    client: FlaskClient, installed: str
) -> None:
    product = _create(client)["product"]
    steel = product["variants"][1]
    url = f"/_sim/products/{product['id']}/variants/{steel['id']}"
    kept = client.patch(url, json={"shop": SHOP, "price": "140"}).get_json()["product"]
    assert kept["variants"][1]["compare_at_price"] == "159.00"
    cleared = client.patch(url, json={"shop": SHOP, "price": "140", "compare_at_price": None})
    assert cleared.get_json()["product"]["variants"][1]["compare_at_price"] is None


def test_bad_edits_are_refused_and_change_nothing(
    client: FlaskClient, installed: str, receiver: Receiver, sim: Simulator
) -> None:
    product = _create(client)["product"]
    black = product["variants"][0]
    url = f"/_sim/products/{product['id']}/variants/{black['id']}"
    for price, message in (
        ("-1", "Price must be greater than or equal to 0"),
        ("12.345", "Price can have at most two decimals: 12.345"),
        ("abc", "Price is not a number: abc"),
        (None, "Price can't be blank"),
    ):
        response = client.patch(url, json={"shop": SHOP, "price": price})
        assert (response.status_code, response.get_json()) == (422, {"error": message})
    other = _create(client, title="Tamper")["product"]
    foreign = client.patch(
        f"/_sim/products/{other['id']}/variants/{black['id']}", json={"shop": SHOP, "price": "1"}
    )
    assert foreign.status_code == 404
    assert _variant_by_gql(sim, SHOP, black["admin_graphql_api_id"]) == {"price": "129.99"}
    sim.webhooks.flush()
    assert receiver.requests == []


def test_bad_creates_are_refused(client: FlaskClient, installed: str) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": "", "variants": [{"price": "1"}]}, "Title can't be blank"),
        ({"title": "X", "variants": []}, "A product has 1 to 100 variants, got 0"),
        ({"title": "X", "variants": [{"price": "-2"}]}, "Price must be greater than or equal to 0"),
        (
            {"title": "X", "variants": [{"title": "A", "price": "1"}] * 2},
            "Variant titles must be unique within a product",
        ),
        ({"title": "X", "variants": [{"price": "1", "colour": "red"}]},
         "variant 1 has unknown fields ['colour']"),
    ]  # fmt: skip
    for body, message in cases:
        response = client.post("/_sim/products", json={"shop": SHOP, **body})
        assert (response.status_code, response.get_json()) == (422, {"error": message})
    assert client.get(f"/_sim/products?shop={SHOP}").get_json() == {"products": []}


def test_deleting_a_product_sends_products_delete_with_its_id_only(
    client: FlaskClient, installed: str, receiver: Receiver, sim: Simulator
) -> None:
    product = _create(client)["product"]
    black = product["variants"][0]

    response = client.delete(f"/_sim/products/{product['id']}", json={"shop": SHOP, "wait": True})

    assert response.status_code == 200
    assert response.get_json()["product"] is None
    assert _delivered(receiver) == [("products/delete", {"id": product["id"]})]
    assert _variant_by_gql(sim, SHOP, black["admin_graphql_api_id"]) is None
    again = client.delete(f"/_sim/products/{product['id']}", json={"shop": SHOP})
    assert again.status_code == 404


def test_a_push_to_a_deleted_variant_gets_shopifys_answer(
    client: FlaskClient, installed: str, sim: Simulator
) -> None:
    product = _create(client)["product"]
    black, steel = product["variants"]
    removed = client.delete(
        f"/_sim/products/{product['id']}/variants/{black['id']}", json={"shop": SHOP, "wait": True}
    )
    assert [v["id"] for v in removed.get_json()["product"]["variants"]] == [steel["id"]]
    token = sim.registry.issue(SHOP, "offline", expiring=False).access_token
    mutation = (
        "mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {"
        " productVariantsBulkUpdate(productId: $p, variants: $v) {"
        " productVariants { id } userErrors { field message code } } }"
    )
    variables = {
        "p": product["admin_graphql_api_id"],
        "v": [{"id": black["admin_graphql_api_id"], "price": "1.00"}],
    }
    answer = client.post(
        API.format(shop=SHOP),
        json={"query": mutation, "variables": variables},
        headers={"X-Shopify-Access-Token": token},
    ).get_json()["data"]["productVariantsBulkUpdate"]
    assert answer["userErrors"] == [
        {
            "field": ["variants", "0", "id"],
            "message": "Product variant does not exist",
            "code": "PRODUCT_VARIANT_DOES_NOT_EXIST",
        }
    ]


def test_no_webhook_reaches_an_app_that_is_not_installed(
    client: FlaskClient, receiver: Receiver, sim: Simulator
) -> None:
    product = _create(client)["product"]
    variant = product["variants"][0]
    client.patch(
        f"/_sim/products/{product['id']}/variants/{variant['id']}",
        json={"shop": SHOP, "price": "1"},
    )
    sim.webhooks.flush()
    assert receiver.requests == []


# -- the admin's Products page ---------------------------------------------------------------


def test_products_page_creates_edits_and_deletes_by_form(
    client: FlaskClient, installed: str, receiver: Receiver, sim: Simulator
) -> None:
    empty = client.get(f"/store/{SHOP_NAME}/products")
    assert empty.status_code == 200
    assert b'data-testid="no-products"' in empty.data
    assert f'href="/store/{SHOP_NAME}/products" class="active"'.encode() in empty.data

    created = client.post(
        f"/store/{SHOP_NAME}/products",
        data={
            "title": "Kettle",
            "variant_title": ["Default Title", "", ""],
            "variant_price": ["49.90", "", ""],
            "variant_sku": ["KET-1", "", ""],
            "variant_compare_at_price": ["", "", ""],
            "variant_available": ["3", "", ""],
        },
    )
    assert created.status_code == 303
    page = client.get(created.headers["Location"])
    assert b"Created Kettle" in page.data
    [product] = client.get(f"/_sim/products?shop={SHOP}").get_json()["products"]
    variant = product["variants"][0]
    assert (variant["price"], variant["sku"], variant["inventory_quantity"]) == (
        "49.90",
        "KET-1",
        3,
    )
    assert variant["admin_graphql_api_id"].encode() in page.data

    edited = client.post(
        f"/store/{SHOP_NAME}/products/{product['id']}/variants/{variant['id']}/price",
        data={"price": "44.00", "compare_at_price": "55"},
    )
    assert edited.status_code == 303
    sim.webhooks.flush()  # Shopify does not promise an order between deliveries; we wait
    deleted = client.post(f"/store/{SHOP_NAME}/products/{product['id']}/delete")
    assert deleted.status_code == 303
    sim.webhooks.flush()
    topics = [topic for topic, _ in _delivered(receiver)]
    assert topics == ["products/update", "products/delete"]
    update = _delivered(receiver)[0][1]
    assert (update["variants"][0]["price"], update["variants"][0]["compare_at_price"]) == (
        "44.00", "55.00",
    )  # fmt: skip
    assert b'data-testid="no-products"' in client.get(f"/store/{SHOP_NAME}/products").data


def test_products_page_shows_a_refused_edit(client: FlaskClient, installed: str) -> None:
    product = _create(client)["product"]
    variant = product["variants"][0]
    refused = client.post(
        f"/store/{SHOP_NAME}/products/{product['id']}/variants/{variant['id']}/price",
        data={"price": "-3"},
    )
    assert refused.status_code == 422
    assert b"Price must be greater than or equal to 0" in refused.data
    form = client.post(
        f"/store/{SHOP_NAME}/products",
        data={"title": "Mug", "variant_title": ["Blue"], "variant_price": [""]},
    )
    assert form.status_code == 422
    assert b"Price can&#39;t be blank" in form.data
