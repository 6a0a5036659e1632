"""GET /api/shopify/variants against the live Admin GraphQL simulator; picker-shaped links."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from tests.integration.conftest import LiveShopify, linked_shop
from tests.support import session_token


def get(app: Flask, domain: str, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {session_token(domain, now=time.time())}"}
    return app.test_client().get("/api/shopify/variants", query_string=params, headers=headers)


def test_search_by_sku_and_by_product_title_marks_what_is_linked(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=3, variants=2)
    state = shopify.admin.store.shop(shop.domain)
    variant = next(iter(state.variants.values()))
    assert variant.sku
    by_sku = get(pricing_app, shop.domain, query=variant.sku.lower())
    assert by_sku.status_code == 200, by_sku.get_json()
    items = by_sku.get_json()["items"]
    assert [i["variant_gid"] for i in items] == [f"gid://shopify/ProductVariant/{variant.id}"]
    item = items[0]
    product = state.products[variant.product_id]
    assert (item["product_title"], item["variant_title"], item["sku"]) == (
        product.title,
        variant.title,
        variant.sku,
    )
    assert item["price"] == f"{variant.price:.2f}"
    assert item["image_url"] is None  # the simulator's catalogue has no media
    linked = {p.shopify_variant_gid: p.id for p in products}
    assert item["linked_product_id"] == linked[item["variant_gid"]]

    by_title = get(pricing_app, shop.domain, query=product.title).get_json()["items"]
    assert {i["product_title"] for i in by_title} == {product.title}
    assert len(by_title) == 2


def test_unlinked_variants_say_so_and_pages_follow_the_cursor(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, products = linked_shop(shopify, products=3, variants=1)
    db.session.delete(products[0])
    db.session.commit()
    first = get(pricing_app, shop.domain, limit=2).get_json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    second = get(pricing_app, shop.domain, limit=2, cursor=first["next_cursor"]).get_json()
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    every = first["items"] + second["items"]
    unlinked = [i for i in every if i["linked_product_id"] is None]
    assert [i["variant_gid"] for i in unlinked] == [products[0].shopify_variant_gid]


def test_search_text_with_search_syntax_is_searched_as_typed(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, _ = linked_shop(shopify, products=2)
    for text in ['sku:"x" OR title:*', "a\\b", '"', "NOT"]:
        response = get(pricing_app, shop.domain, query=text)
        assert response.status_code == 200, (text, response.get_json())
        assert response.get_json()["items"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"query": "x" * 201}, "invalid_query"),
        ({"query": "a\x00b"}, "invalid_query"),
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "51"}, "invalid_limit"),
        ({"limit": "ten"}, "invalid_limit"),
        ({"cursor": ""}, "invalid_cursor"),
        ({"cursor": "c" * 501}, "invalid_cursor"),
        ({"sku": "x"}, "unknown_parameters"),
    ],
)
def test_bad_searches_are_422(
    pricing_app: Flask, shopify: LiveShopify, params: dict[str, str], code: str
) -> None:
    shop, _ = linked_shop(shopify, products=1)
    response = get(pricing_app, shop.domain, **params)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_a_cursor_shopify_does_not_know_is_a_clear_error(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, _ = linked_shop(shopify, products=1)
    response = get(pricing_app, shop.domain, cursor="bm90LWEtY3Vyc29y")
    assert response.status_code in (422, 502)
    assert response.get_json()["error"]["code"]


def test_shopify_refusing_the_token_is_a_409_asking_to_reconnect(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, _ = linked_shop(shopify, products=1)
    shopify.tokens[shop.domain] = "rotated-elsewhere"
    response = get(pricing_app, shop.domain, query="x")
    assert response.status_code in (409, 503)
    assert response.get_json()["error"]["code"] in ("shopify_access_lost", "shopify_unavailable")
