"""A refused productVariantsBulkUpdate lists the unchanged variants in `productVariants`, as
Shopify does (issue 10): the client must read `userErrors` first and confirm nothing."""

from __future__ import annotations

from decimal import Decimal

import requests
from flask import Flask
from redis import Redis

from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.operations import VariantPrice, bulk_update_prices
from app.shopify.graphql.throttle import CostThrottle
from tests.integration.conftest import TOKEN, LiveShopify

SHOP = "refused.myshopify.com"


def test_a_refused_update_confirms_nothing_though_it_lists_the_variants(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    variants = shopify.seed(SHOP, products=1, variants=2)
    first, second = variants
    before = shopify.prices(SHOP)
    url = f"{shopify.origin}/shops/{SHOP}/admin/api/2026-10/graphql.json"
    raw = requests.post(
        url,
        json={
            "query": "mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {"
            " productVariantsBulkUpdate(productId: $p, variants: $v) {"
            " productVariants { id price } userErrors { code } } }",
            "variables": {
                "p": first["product_id"],
                "v": [{"id": first["id"], "price": "-1"}, {"id": second["id"], "price": "5"}],
            },
        },
        headers={"X-Shopify-Access-Token": TOKEN},
        timeout=10,
    ).json()["data"]["productVariantsBulkUpdate"]
    assert [v["id"] for v in raw["productVariants"]] == [first["id"], second["id"]]
    assert [e["code"] for e in raw["userErrors"]] == ["GREATER_THAN_OR_EQUAL_TO"]

    shopify.arm(kind="user_error", variant_id=second["id"], code="INVALID_INPUT", message="No.")
    redis_url = pricing_app.extensions["pricebridge.settings"].redis_url
    client = AdminClient(
        shop=SHOP,
        url=url,
        token=lambda *, refresh: TOKEN,
        throttle=CostThrottle(Redis.from_url(redis_url), SHOP),
    )
    entries = [
        VariantPrice(first["id"], Decimal("11.00"), currency="USD"),
        VariantPrice(second["id"], Decimal("12.00"), currency="USD"),
    ]
    outcome = bulk_update_prices(client, first["product_id"], entries)

    assert outcome.confirmed == {}
    assert outcome.errors == {
        1: {"field": ["variants", "1"], "message": "No.", "code": "INVALID_INPUT"}
    }
    assert shopify.prices(SHOP) == before
