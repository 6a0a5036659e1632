"""Webhook deliveries: HMACs equal the fixture vectors, real headers, retries, control endpoint."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from shopify_sim_support import (
    SHOP,
    SHOPIFY_SIM_DATA,
    Receiver,
    load_fixture,
    make_config,
)

from simulators.shopify.app import Simulator, create_app, simulator
from simulators.shopify.webhooks import body_hmac, tampered_body, triggered_at

VECTORS = load_fixture("webhook_hmac_vectors.json")
EXAMPLE_HEADERS = VECTORS["example_headers"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["topic"])
def test_hmac_of_each_fixture_equals_the_vector(vector: dict[str, str]) -> None:
    body = (SHOPIFY_SIM_DATA / vector["file"]).read_bytes()

    assert body_hmac(body, vector["client_secret"]) == vector["x_shopify_hmac_sha256"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["topic"])
def test_delivered_fixture_bytes_carry_the_vector_hmac(
    sim: Simulator, receiver: Receiver, vector: dict[str, str]
) -> None:
    body = (SHOPIFY_SIM_DATA / vector["file"]).read_bytes()

    result = sim.webhooks.deliver(vector["topic"], SHOP, body, api_version=vector["api_version"])

    headers, received = receiver.requests[-1]
    assert result.status == 200
    assert received == body
    assert headers["X-Shopify-Hmac-Sha256"] == vector["x_shopify_hmac_sha256"]
    assert headers["X-Shopify-Api-Version"] == vector["api_version"]


def test_header_set_matches_shopify(sim: Simulator, receiver: Receiver) -> None:
    result = sim.webhooks.deliver("products/update", SHOP, {"id": 1}, webhook_id="w-1")

    headers, _ = receiver.requests[-1]
    assert {name.lower() for name in EXAMPLE_HEADERS} <= {name.lower() for name in headers}
    assert headers["X-Shopify-Topic"] == "products/update"
    assert headers["X-Shopify-Shop-Domain"] == SHOP
    assert headers["X-Shopify-Webhook-Id"] == result.webhook_id == "w-1"
    assert headers["X-Shopify-Api-Version"] == "2026-10"
    assert len(headers["X-Shopify-Triggered-At"]) == len(EXAMPLE_HEADERS["X-Shopify-Triggered-At"])
    assert headers["Content-Type"] == "application/json"


def test_lowercase_header_style(sim: Simulator, receiver: Receiver) -> None:
    sim.webhooks.deliver("app/uninstalled", SHOP, b"{}", header_style="shopify")

    headers, _ = receiver.requests[-1]
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["shopify-hmac-sha256"] == body_hmac(b"{}", sim.config.api_secret)
    assert lowered["shopify-topic"] == "app/uninstalled"
    assert not any(k.startswith("x-shopify-") for k in lowered)


def test_unknown_header_style_is_refused(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="header_style"):
        sim.webhooks.deliver("app/uninstalled", SHOP, b"{}", header_style="X")  # type: ignore[arg-type]


def test_non_2xx_answers_are_retried(receiver: Receiver) -> None:
    sim = simulator(
        create_app(make_config(webhook_url=receiver.url, webhook_retries=2, webhook_retry_delay=0))
    )
    receiver.statuses[:] = [500, 503]

    result = sim.webhooks.deliver("products/delete", SHOP, {"id": 1})

    assert (result.status, result.attempts) == (200, 3)
    assert len({h["X-Shopify-Webhook-Id"] for h, _ in receiver.requests}) == 1


def test_unreachable_app_is_reported_not_raised() -> None:
    sim = simulator(create_app(make_config(webhook_url="http://127.0.0.1:9/webhooks")))

    result = sim.webhooks.deliver("products/delete", SHOP, {"id": 1})

    assert result.status == 0
    assert "Error" in result.body


def test_control_endpoint_adapts_fixture_to_the_shop(
    client: FlaskClient, receiver: Receiver
) -> None:
    answer = client.post("/_sim/webhooks", json={"topic": "shop/redact", "shop": SHOP})

    assert answer.status_code == 200
    headers, body = receiver.requests[-1]
    assert json.loads(body)["shop_domain"] == SHOP
    assert headers["X-Shopify-Hmac-Sha256"] == body_hmac(body, "test-client-secret")


def test_control_endpoint_duplicate_and_tamper(client: FlaskClient, receiver: Receiver) -> None:
    answer = client.post(
        "/_sim/webhooks",
        json={"topic": "products/update", "shop": SHOP, "duplicate": True, "tamper": True},
    )

    deliveries = answer.get_json()["deliveries"]
    assert len(deliveries) == 2
    assert deliveries[0]["webhook_id"] == deliveries[1]["webhook_id"]
    (first_headers, first_body), (second_headers, _) = receiver.requests
    assert first_headers["X-Shopify-Event-Id"] == second_headers["X-Shopify-Event-Id"]
    assert first_headers["X-Shopify-Hmac-Sha256"] != body_hmac(first_body, "test-client-secret")
    assert json.loads(first_body)["tampered"] is True


def test_control_endpoint_takes_an_object_or_a_fixture_name(
    client: FlaskClient, receiver: Receiver
) -> None:
    client.post(
        "/_sim/webhooks", json={"topic": "products/update", "shop": SHOP, "payload": {"a": 1}}
    )
    client.post(
        "/_sim/webhooks",
        json={"topic": "products/delete", "shop": SHOP, "payload": "products_delete.json"},
    )

    assert receiver.requests[0][1] == b'{"a":1}'
    assert (
        receiver.requests[1][1] == (SHOPIFY_SIM_DATA / "webhooks/products_delete.json").read_bytes()
    )


@pytest.mark.parametrize(
    ("spec", "status"),
    [
        ({"shop": SHOP}, 400),
        ({"topic": "products/update", "shop": SHOP, "header_style": "odd"}, 400),
        ({"topic": "orders/create", "shop": SHOP}, 404),
        ({"topic": "x", "shop": SHOP, "payload": "../../secrets"}, 404),
        ({"topic": "customers/redact", "shop": SHOP, "webhook_id": 7}, 400),
    ],
)
def test_control_endpoint_refuses_bad_requests(
    client: FlaskClient, spec: dict[str, str], status: int
) -> None:
    assert client.post("/_sim/webhooks", json=spec).status_code == status


def test_delivery_log(client: FlaskClient) -> None:
    client.post("/_sim/webhooks", json={"topic": "customers/redact", "shop": SHOP})

    log = client.get("/_sim/webhooks").get_json()["deliveries"]

    assert [(d["topic"], d["shop"], d["status"]) for d in log] == [("customers/redact", SHOP, 200)]


def test_a_later_retry_carries_the_first_deliverys_id_and_every_delivery_is_counted(
    client: FlaskClient, receiver: Receiver
) -> None:
    first = client.post("/_sim/webhooks", json={"topic": "customers/redact", "shop": SHOP})
    (delivery,) = first.get_json()["deliveries"]
    spec = {"topic": "customers/redact", "shop": SHOP, "webhook_id": delivery["webhook_id"]}
    (again,) = client.post("/_sim/webhooks", json=spec).get_json()["deliveries"]
    assert again["webhook_id"] == delivery["webhook_id"]
    (first_headers, _), (second_headers, _) = receiver.requests
    assert first_headers["X-Shopify-Webhook-Id"] == second_headers["X-Shopify-Webhook-Id"]
    client.post("/_sim/webhooks", json={"topic": "products/update", "shop": "other.myshopify.com"})
    counts = client.get("/_sim/webhooks").get_json()["counts"]
    assert counts == {SHOP: {"customers/redact": 2}, "other.myshopify.com": {"products/update": 1}}


def test_app_uninstalled_payload_names_the_shop(sim: Simulator) -> None:
    body = sim.webhooks.fixture_json("app/uninstalled", SHOP)

    assert body["myshopify_domain"] == SHOP
    assert body["id"] == 548380009


def test_product_update_from_admin_api_is_echoed(sim: Simulator, receiver: Receiver) -> None:
    sim.install(SHOP)

    sim.on_product_update(SHOP, {"id": 42, "variants": [{"price": "19.99"}]})
    sim.webhooks.flush()

    headers, body = receiver.requests[-1]
    assert headers["X-Shopify-Topic"] == "products/update"
    assert json.loads(body)["variants"][0]["price"] == "19.99"


def test_product_update_for_an_uninstalled_shop_is_not_sent(
    sim: Simulator, receiver: Receiver
) -> None:
    sim.on_product_update(SHOP, {"id": 42})
    sim.webhooks.flush()

    assert receiver.requests == []


def test_scope_change_sends_app_scopes_update(sim: Simulator, receiver: Receiver) -> None:
    sim.install(SHOP, ("write_products",))
    sim.install(SHOP, ("write_products", "read_locations"))
    sim.webhooks.flush()

    headers, body = receiver.requests[-1]
    assert headers["X-Shopify-Topic"] == "app/scopes_update"
    assert json.loads(body)["previous"] == ["write_products"]
    assert json.loads(body)["current"] == ["write_products", "read_locations"]


def test_helpers() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert triggered_at(moment) == "2026-07-01T12:00:00.123456000Z"
    assert json.loads(tampered_body(b'{"a":1}')) == {"a": 1, "tampered": True}
    assert tampered_body(b"[]") != b"[]"
