"""Variants by SKU for a CSV import (app/shopify/graphql/variant_lookup.py) when Shopify's
search answers more than the SKUs asked for. shopify.dev documents the `sku` filter and the
search syntax but not whether a quoted value is matched whole, by word or by prefix, so
Shopify's answer is mocked at the HTTP edge (`responses`) with every looser reading at once:
only variants whose SKU equals one asked for may come back."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from flask import Flask
from redis import Redis

from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.operations import MAX_VARIANTS
from app.shopify.graphql.throttle import CostThrottle
from app.shopify.graphql.variant_lookup import SKUS_PER_QUERY, variants_by_sku

SHOP = "lookup.myshopify.com"
URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"


def node(number: int, sku: str | None) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/ProductVariant/{number}",
        "title": f"Variant {number}",
        "sku": sku,
        "price": "10.00",
        "compareAtPrice": None,
        "updatedAt": "2026-11-30T00:00:00Z",
        "product": {"id": f"gid://shopify/Product/{number}"},
        "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}"},
    }


def page(nodes: list[dict[str, Any]], end: str | None) -> dict[str, Any]:
    return {
        "data": {
            "productVariants": {
                "pageInfo": {"hasNextPage": end is not None, "endCursor": end},
                "nodes": nodes,
            }
        },
        "extensions": {
            "cost": {
                "requestedQueryCost": 12,
                "actualQueryCost": 12,
                "throttleStatus": {
                    "maximumAvailable": 2000.0,
                    "currentlyAvailable": 1988,
                    "restoreRate": 100.0,
                },
            }
        },
    }


@pytest.fixture
def client(app: Flask) -> AdminClient:
    redis = Redis.from_url(app.extensions["pricebridge.settings"].redis_url)
    return AdminClient(
        shop=SHOP, url=URL, token=lambda *, refresh: "shpat_x", throttle=CostThrottle(redis, SHOP)
    )


@responses.activate
def test_only_variants_whose_sku_equals_one_asked_for_are_kept(client: AdminClient) -> None:
    loose = [
        node(1, "ABC-1"),  # the SKU asked for
        node(2, "ABC-10"),  # a prefix match
        node(3, "ABC-1-RED"),  # a match on its first words
        node(4, "ZZ ABC-1"),  # a match on its last words
        node(5, "abc-1"),  # another case: the same SKU as PriceBridge compares them
        node(6, None),
    ]
    more = [node(7, " x  y "), node(8, "x"), node(9, "xy")]
    responses.post(URL, json=page(loose, "cursor-1"))
    responses.post(URL, json=page(more, None))

    found = variants_by_sku(client, ["ABC-1", "x y", "missing"])

    assert {key: [v.variant_gid for v in variants] for key, variants in found.items()} == {
        "abc-1": ["gid://shopify/ProductVariant/1", "gid://shopify/ProductVariant/5"],
        "x y": ["gid://shopify/ProductVariant/7"],
        "missing": [],
    }
    first, second = (json.loads(call.request.body) for call in responses.calls)
    assert first["variables"] == {
        "query": 'sku:"ABC-1" OR sku:"x y" OR sku:"missing"',
        "first": MAX_VARIANTS,
        "after": None,
    }
    assert second["variables"]["after"] == "cursor-1"


def test_a_batch_is_at_most_skus_per_query(client: AdminClient) -> None:
    with pytest.raises(ValueError, match=f"at most {SKUS_PER_QUERY} SKUs"):
        variants_by_sku(client, [f"SKU-{n}" for n in range(SKUS_PER_QUERY + 1)])
