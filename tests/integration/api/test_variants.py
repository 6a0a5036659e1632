"""GET /api/shopify/variants against the live Admin GraphQL simulator; picker-shaped links."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from app.api.query import encode_cursor
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


@pytest.mark.parametrize(
    "cursor",
    [
        "bm90LWEtY3Vyc29y",  # base64 of "not-a-cursor": not one of ours
        encode_cursor(["variants", "", "bm90LWEtY3Vyc29y"]),  # ours, Shopify's inside forged
        encode_cursor(["variants", "mug", "eyJsYXN0X2lkIjoxfQ"]),  # another search's
        encode_cursor(["products", "", "eyJsYXN0X2lkIjoxfQ"]),
    ],
)
def test_a_cursor_not_given_out_by_this_search_is_422(
    pricing_app: Flask, shopify: LiveShopify, cursor: str
) -> None:
    shop, _ = linked_shop(shopify, products=1)
    response = get(pricing_app, shop.domain, cursor=cursor)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_a_cursor_pages_only_its_own_search(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop, _ = linked_shop(shopify, products=3, variants=1)
    first = get(pricing_app, shop.domain, limit=1).get_json()
    assert first["next_cursor"]
    other = get(pricing_app, shop.domain, limit=1, query="x", cursor=first["next_cursor"])
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "invalid_cursor"


def test_shopify_refusing_the_token_is_a_409_asking_to_reconnect(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop, _ = linked_shop(shopify, products=1)
    shopify.tokens[shop.domain] = "rotated-elsewhere"
    response = get(pricing_app, shop.domain, query="x")
    assert response.status_code in (409, 503)
    assert response.get_json()["error"]["code"] in ("shopify_access_lost", "shopify_unavailable")
