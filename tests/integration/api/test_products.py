"""/api/products and /api/usage: happy paths, every kind of bad input, shop isolation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from requests import PreparedRequest
from sqlalchemy import delete, func, select

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.models import Observation, Product
from tests.integration.factories import auth, installed, make_observation, make_product

A, B = "a.myshopify.com", "b.myshopify.com"
VARIANT = "gid://shopify/ProductVariant/4411"
PRODUCT = "gid://shopify/Product/77"


def _variant_answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
    """Shopify's answer to LinkedVariant: every shop has VARIANT, owned by PRODUCT."""
    asked = json.loads(request.body or b"{}")["variables"]["id"]
    node = None
    if asked == VARIANT:
        node = {
            "id": VARIANT,
            "title": "Default Title",
            "sku": "SKU-4411",
            "price": "19.99",
            "compareAtPrice": None,
            "product": {"id": PRODUCT},
            "inventoryItem": {"id": "gid://shopify/InventoryItem/9911"},
        }
    return 200, {}, json.dumps({"data": {"productVariant": node}})


@pytest.fixture(autouse=True)
def shopify() -> Iterator[responses.RequestsMock]:
    """The shops' Admin API, answering the variant a link reads (HTTP to Shopify only)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(
            responses.POST,
            re.compile(r"https://[a-z]\.myshopify\.com/admin/api/[0-9-]+/graphql\.json"),
            callback=_variant_answer,
        )
        yield mock


def link(client: FlaskClient, domain: str = A, **body: Any) -> Any:
    payload = {"shopify_variant_gid": VARIANT, "shopify_product_gid": PRODUCT, **body}
    return client.post("/api/products", json=payload, headers=auth(domain))


def test_link_by_asin_and_marketplace(client: FlaskClient) -> None:
    installed(A)
    response = link(client, asin="b0cyvn8ccq", marketplace="amazon.co.uk")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["asin"], body["marketplace"], body["status"]) == ("B0CYVN8CCQ", "co.uk", "active")
    assert body["shopify_variant_gid"] == VARIANT
    product = db.session.get(Product, body["id"])
    assert product is not None
    assert product.next_poll_at <= utcnow()  # due for its first poll at once


def test_linking_asks_shopify_for_the_variants_current_price(client: FlaskClient) -> None:
    installed(A)
    response = link(client, asin="B0CYVN8CCQ", marketplace="com")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["shopify_price"], body["shopify_sku"]) == ("19.99", "SKU-4411")
    assert body["shopify_inventory_item_gid"] == "gid://shopify/InventoryItem/9911"


def test_a_link_without_a_tier_takes_the_shops_and_one_with_a_tier_keeps_it(
    client: FlaskClient,
) -> None:
    installed(A, polling_tier="cold")
    response = link(client, asin="B0CYVN8CCQ", marketplace="com")
    assert response.status_code == 201
    assert response.get_json()["polling_tier"] == "cold"
    db.session.execute(delete(Product))
    db.session.commit()
    response = link(client, asin="B0CYVN8CCQ", marketplace="com", polling_tier="hot")
    assert response.status_code == 201
    assert response.get_json()["polling_tier"] == "hot"


def test_link_by_url_from_any_marketplace(client: FlaskClient) -> None:
    installed(A)
    response = link(client, url="https://www.amazon.de/-/en/Some-Slug/dp/B084Y7CHX5?th=1")
    assert response.status_code == 201
    assert response.get_json()["marketplace"] == "de"


def test_a_duplicate_link_is_a_409_and_writes_nothing(client: FlaskClient) -> None:
    installed(A)
    assert link(client, asin="B0CYVN8CCQ", marketplace="com").status_code == 201
    response = link(client, asin="B084Y7CHX5", marketplace="com")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_linked"
    assert db.session.scalar(select(func.count()).select_from(Product)) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"asin": "B0CYVN8CCQ"}, "invalid_listing"),  # no marketplace
        ({"asin": "B0CYVN8CCQ", "marketplace": "moon"}, "invalid_listing"),
        ({"url": "https://example.com/dp/B0CYVN8CCQ"}, "invalid_listing"),
        ({"url": "https://amzn.to/3xyz"}, "invalid_listing"),
        ({"url": "https://www.amazon.com/", "asin": "B0CYVN8CCQ"}, "invalid_listing"),
        ({}, "invalid_listing"),
        ({"asin": 12345, "marketplace": "com"}, "invalid_listing"),
        ({"url": ["x"]}, "invalid_listing"),
        ({"asin": "B0CYVN8CCQ", "marketplace": "com", "nope": 1}, "unknown_fields"),
        ({"asin": "B0CYVN8CCQ", "marketplace": "com", "polling_tier": "warm"}, "invalid_fields"),
        ({"asin": "B0CYVN8CCQ", "marketplace": "com", "delivery_location": 9}, "invalid_fields"),
        ({"asin": "B0CYVN8CCQ", "marketplace": "com", "shopify_variant_gid": 1}, "invalid_fields"),
        (
            {"asin": "B0CYVN8CCQ", "marketplace": "com", "shopify_variant_gid": "gid://x/1"},
            "invalid_fields",
        ),
        (
            {"asin": "B0CYVN8CCQ", "marketplace": "com", "shopify_product_gid": "9" * 40},
            "invalid_fields",
        ),
        ({"url": "x" * 100_000}, "invalid_listing"),
    ],
)
def test_bad_link_bodies_are_422_with_a_stable_code(
    client: FlaskClient, body: dict[str, Any], code: str
) -> None:
    installed(A)
    response = link(client, **body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_unknown_fields_are_listed(client: FlaskClient) -> None:
    installed(A)
    response = link(client, asin="B0CYVN8CCQ", marketplace="com", zzz=1, aaa=2)
    assert response.get_json()["error"]["details"]["unknown"] == ["aaa", "zzz"]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"asin=B0CYVN8CCQ", "application/x-www-form-urlencoded", 415),
    ],
)
def test_garbage_bodies_are_clear_errors(
    client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    installed(A)
    response = client.post("/api/products", data=data, content_type=content_type, headers=auth(A))
    assert response.status_code == status
    assert response.get_json()["error"]["code"]


def test_the_list_pages_by_cursor_and_filters(client: FlaskClient) -> None:
    shop = installed(A)
    products = [make_product(shop) for _ in range(5)]
    products[1].availability = "out_of_stock"
    products[2].status = "needs_attention"
    products[3].amazon_price, products[3].amazon_currency = Decimal("12.34"), "USD"
    db.session.commit()
    first = client.get("/api/products?limit=2", headers=auth(A)).get_json()
    assert [item["id"] for item in first["items"]] == [products[0].id, products[1].id]
    second = client.get(f"/api/products?limit=2&cursor={first['next_cursor']}", headers=auth(A))
    page = second.get_json()
    assert [item["id"] for item in page["items"]] == [products[2].id, products[3].id]
    assert page["items"][1]["amazon_price"] == "12.34"
    last = client.get(f"/api/products?limit=2&cursor={page['next_cursor']}", headers=auth(A))
    assert last.get_json()["next_cursor"] is None
    oos = client.get("/api/products?availability=out_of_stock", headers=auth(A)).get_json()
    assert [item["id"] for item in oos["items"]] == [products[1].id]
    attention = client.get("/api/products?status=needs_attention", headers=auth(A)).get_json()
    assert [item["id"] for item in attention["items"]] == [products[2].id]
    assert first["usage"]["remaining"] == first["usage"]["budget"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=-1", "invalid_limit"),
        ("limit=1e99", "invalid_limit"),
        ("limit=" + "9" * 400, "invalid_limit"),
        ("cursor=garbage!", "invalid_cursor"),
        ("cursor=WyJ4Il0", "invalid_cursor"),  # ["x"]
        ("status=gone", "invalid_status"),
        ("availability=maybe", "invalid_availability"),
        ("sort=price", "invalid_sort"),
        ("filter=cheap", "invalid_filter"),
        ("q=", "invalid_q"),
        ("q=%20%09%20", "invalid_q"),
        ("q=a%00b", "invalid_q"),
        ("q=a%09b", "invalid_q"),  # a tab: no control characters, as the document says
        ("q=" + "a" * 101, "invalid_q"),
        ("q=" + "%20" * 100 + "a", "invalid_q"),  # 101 characters before collapsing
        ("order=id", "unknown_parameters"),
    ],
)
def test_bad_list_parameters_are_422(client: FlaskClient, query: str, code: str) -> None:
    installed(A)
    response = client.get(f"/api/products?{query}", headers=auth(A))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_a_product_shows_its_history_newest_first_with_a_cursor(client: FlaskClient) -> None:
    shop = installed(A)
    product = make_product(shop)
    base = utcnow().replace(microsecond=0)
    rows = [make_observation(product, observed_at=base + timedelta(minutes=n)) for n in range(3)]
    make_observation(
        product,
        observed_at=base,
        price=None,
        quarantined=True,
        quarantine_reason="not_found",
        raw={"status_code": 404},
    )
    db.session.commit()
    body = client.get(f"/api/products/{product.id}?history_limit=2", headers=auth(A)).get_json()
    assert [item["id"] for item in body["history"]] == [rows[2].id, rows[1].id]
    assert body["history"][0]["price"] == "19.99"
    cursor = body["history_next_cursor"]
    rest = client.get(
        f"/api/products/{product.id}?history_limit=2&history_cursor={cursor}", headers=auth(A)
    ).get_json()
    assert len(rest["history"]) == 2
    assert rest["history"][0]["quarantined"] is True  # same time, higher id first
    assert rest["history"][1]["id"] == rows[0].id
    assert rest["history_next_cursor"] is None


def test_unlink_deletes_the_product_and_its_history(client: FlaskClient) -> None:
    shop = installed(A)
    product = make_product(shop)
    make_observation(product)
    db.session.commit()
    assert client.delete(f"/api/products/{product.id}", headers=auth(A)).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0
    assert client.delete(f"/api/products/{product.id}", headers=auth(A)).status_code == 404


def test_refresh_enqueues_one_realtime_poll(client: FlaskClient) -> None:
    product = make_product(installed(A))
    db.session.commit()
    response = client.post(f"/api/products/{product.id}/refresh", headers=auth(A))
    assert response.status_code == 202
    assert response.get_json() == {"job_id": f"refresh-{product.id}"}
    client.post(f"/api/products/{product.id}/refresh", headers=auth(A))
    assert current_broker().queue("ingest").job_ids == [f"refresh-{product.id}"]


def test_refresh_over_budget_is_refused(client: FlaskClient) -> None:
    shop = installed(A, oxylabs_monthly_budget=0)
    product = make_product(shop)
    db.session.commit()
    response = client.post(f"/api/products/{product.id}/refresh", headers=auth(A))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "budget_exhausted"
    assert current_broker().queue("ingest").job_ids == []


def test_usage_shows_this_months_results(client: FlaskClient) -> None:
    installed(
        A,
        oxylabs_monthly_budget=500,
        oxylabs_results_used=7,
        oxylabs_usage_month=utcnow().date().replace(day=1),
    )
    body = client.get("/api/usage", headers=auth(A)).get_json()
    assert (body["used"], body["budget"], body["remaining"]) == (7, 500, 493)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/products/{id}"),
        ("delete", "/api/products/{id}"),
        ("post", "/api/products/{id}/refresh"),
    ],
)
def test_another_shops_product_is_a_404(client: FlaskClient, method: str, path: str) -> None:
    product = make_product(installed(A))
    installed(B)
    db.session.commit()
    response = getattr(client, method)(path.format(id=product.id), headers=auth(B))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "product_not_found"
    listed = client.get("/api/products", headers=auth(B)).get_json()
    assert listed["items"] == []
    assert db.session.get(Product, product.id) is not None


@pytest.mark.parametrize("product_id", ["0", "99999999999999999999999", "123456789012345678901"])
def test_absurd_ids_are_404_not_500(client: FlaskClient, product_id: str) -> None:
    installed(A)
    assert client.get(f"/api/products/{product_id}", headers=auth(A)).status_code == 404


def test_every_route_needs_a_session_token(client: FlaskClient, app: Flask) -> None:
    for method, path in [
        ("get", "/api/products"),
        ("post", "/api/products"),
        ("get", "/api/products/1"),
        ("get", "/api/usage"),
    ]:
        assert getattr(client, method)(path).status_code == 401


def test_product_answers_carry_the_proposed_price_and_the_change_state(
    client: FlaskClient,
) -> None:
    from app.price_changes.propose import on_observation

    shop = installed(A, currency="USD", markup_percent=Decimal("50"))
    product = make_product(shop, shopify_price=Decimal("10.00"))
    observation = make_observation(product, price=Decimal("20.00"), currency="USD")
    db.session.commit()
    on_observation(product.id, observation.id)

    listed = client.get("/api/products", headers=auth(A)).get_json()["items"][0]
    single = client.get(f"/api/products/{product.id}", headers=auth(A)).get_json()
    for body in (listed, single):
        pricing = body["pricing"]
        assert pricing["proposed_price"] == "30.00"
        assert pricing["shopify_price"] == "10.00"
        assert pricing["change_state"] == "proposed"
        assert pricing["change"]["proposed_price"] == "30.00"


def test_product_answers_carry_amazons_move_and_the_delivery_window(
    client: FlaskClient,
) -> None:
    moved_at = utcnow().replace(microsecond=0)
    product = make_product(
        installed(A),
        amazon_price=Decimal("21.00"),
        amazon_currency="USD",
        previous_amazon_price=Decimal("20.00"),
        price_changed_at=moved_at,
        delivery_earliest=date(2026, 12, 3),
        delivery_latest=date(2026, 12, 5),
    )
    db.session.commit()
    listed = client.get("/api/products", headers=auth(A)).get_json()["items"][0]
    single = client.get(f"/api/products/{product.id}", headers=auth(A)).get_json()
    for body in (listed, single):
        assert body["previous_amazon_price"] == "20.00"
        assert body["amazon_price_changed_at"] == moved_at.isoformat()
        assert (body["delivery_earliest"], body["delivery_latest"]) == ("2026-12-03", "2026-12-05")


def test_a_pasted_asin_with_an_invisible_mark_links(client: FlaskClient) -> None:
    """Issue 13, kind 7: the ASIN copied from Amazon's details table carries U+200E."""
    installed(A)
    response = link(client, asin="\u200eB097CMQVF4", marketplace="com\u200b")
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["asin"], response.get_json()["marketplace"]) == (
        "B097CMQVF4",
        "com",
    )


def test_a_sponsored_result_link_links_its_product(client: FlaskClient) -> None:
    installed(A)
    url = (
        "\ufeffhttps://www.amazon.de/sspa/click?ie=UTF8&spc=MToxMjM0NTY3ODk6MTcwMDA"
        "&url=%2FYakima-Highroad-Upright-Bike-Mount%2Fdp%2FB073Z7FBWC%2Fref%3Dsr_1_1_sspa"
        "%3Fkeywords%3Dyakima%26psc%3D1"
    )
    response = link(client, url=url)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["asin"], response.get_json()["marketplace"]) == (
        "B073Z7FBWC",
        "de",
    )


def test_link_accepts_what_the_resource_picker_returns(client: FlaskClient) -> None:
    installed(A)
    picked = [{"id": PRODUCT, "title": "Mug", "variants": [{"id": VARIANT, "title": "Blue"}]}]
    response = client.post(
        "/api/products",
        json={"picked": picked, "asin": "B0CYVN8CCQ", "marketplace": "com"},
        headers=auth(A),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["shopify_product_gid"], body["shopify_variant_gid"]) == (PRODUCT, VARIANT)


def test_a_picker_selection_of_two_variants_is_a_422_and_writes_nothing(
    client: FlaskClient,
) -> None:
    installed(A)
    picked = [{"id": PRODUCT, "variants": [{"id": VARIANT}, {"id": VARIANT + "9"}]}]
    response = client.post(
        "/api/products",
        json={"picked": picked, "asin": "B0CYVN8CCQ", "marketplace": "com"},
        headers=auth(A),
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_picker_selection"
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
