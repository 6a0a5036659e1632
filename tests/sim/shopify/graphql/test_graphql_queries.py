from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.sim.shopify.graphql.harness import SHOP, Harness

PAGE = """
query Page($after: String) {
  products(first: 2, after: $after) {
    edges { cursor node { id title } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


def test_shop_fields(harness: Harness) -> None:
    shop = harness.data(
        "{ shop { name currencyCode myshopifyDomain plan { publicDisplayName shopifyPlus } } }"
    )["shop"]
    assert shop == {
        "name": "demo",
        "currencyCode": "USD",
        "myshopifyDomain": SHOP,
        "plan": {"publicDisplayName": "Basic", "shopifyPlus": False},
    }


def test_products_paginate_with_cursors_to_the_end(harness: Harness) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = harness.data(PAGE, {"after": after})["products"]
        seen += [edge["node"]["title"] for edge in page["edges"]]
        pages += 1
        assert page["pageInfo"]["hasPreviousPage"] is (pages > 1)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"Product {n:05d}" for n in range(1, 6)]
    assert pages == 3


def test_connection_without_first_or_last_is_an_error(harness: Harness) -> None:
    _, body = harness.gql("{ products { nodes { id } } }")
    assert body["errors"][0]["message"] == "you must provide one of first or last"


def test_product_variant_and_nodes_by_id(
    harness: Harness, first_product: Callable[[], dict[str, Any]]
) -> None:
    product = first_product()
    variant = product["variants"]["nodes"][0]
    data = harness.data(
        """query($p: ID!, $v: ID!, $ids: [ID!]!) {
          product(id: $p) { id variantsCount { count } }
          productVariant(id: $v) { id price product { id } }
          nodes(ids: $ids) { __typename ... on ProductVariant { id sku } ... on Product { title } }
        }""",
        {
            "p": product["id"],
            "v": variant["id"],
            "ids": [variant["id"], product["id"], "gid://shopify/ProductVariant/1"],
        },
    )
    assert data["product"] == {"id": product["id"], "variantsCount": {"count": 3}}
    assert data["productVariant"] == {
        "id": variant["id"],
        "price": variant["price"],
        "product": {"id": product["id"]},
    }
    assert [node and node["__typename"] for node in data["nodes"]] == [
        "ProductVariant",
        "Product",
        None,
    ]


def test_product_variants_filtered_by_sku_and_price(harness: Harness) -> None:
    data = harness.data(
        '{ productVariants(first: 10, query: "sku:PRODUCT-00002-3") { nodes { sku } } }'
    )
    assert data["productVariants"]["nodes"] == [{"sku": "PRODUCT-00002-3"}]
    cheap = harness.data('{ productVariants(first: 50, query: "price:<50") { nodes { price } } }')[
        "productVariants"
    ]["nodes"]
    every = harness.admin.variants(SHOP)
    assert len(cheap) == sum(1 for v in every if float(v["price"]) < 50)


def test_inventory_levels_report_available_and_on_hand(
    harness: Harness, first_product: Callable[[], dict[str, Any]]
) -> None:
    item = first_product()["variants"]["nodes"][0]["inventoryItem"]["id"]
    data = harness.data(
        """query($id: ID!) { inventoryItem(id: $id) {
             inventoryLevels(first: 5) { nodes { location { id }
               quantities(names: ["available", "on_hand"]) { name quantity } } } } }""",
        {"id": item},
    )
    levels = data["inventoryItem"]["inventoryLevels"]["nodes"]
    assert len(levels) == 2
    for level in levels:
        available, on_hand = level["quantities"]
        assert available["name"] == "available"
        assert available["quantity"] == on_hand["quantity"]


def test_product_variants_by_skus_joined_with_or(harness: Harness) -> None:
    """`sku:A OR sku:B` (shopify.dev, "Shopify API search syntax": connectives), quoted values
    with backslash escapes; SKUs match whatever their case."""
    query = 'sku:"PRODUCT-00002-3" OR sku:product-00004-1 OR sku:"NO-SUCH-SKU"'
    data = harness.data(
        "query($q: String!) { productVariants(first: 10, query: $q) { nodes { sku } } }",
        {"q": query},
    )
    assert [n["sku"] for n in data["productVariants"]["nodes"]] == [
        "PRODUCT-00002-3",
        "PRODUCT-00004-1",
    ]
    state = harness.admin.store.shop(SHOP)
    odd = next(iter(state.variants.values()))
    odd.sku = 'A "quoted" (sku):\\1'
    escaped = odd.sku.replace("\\", "\\\\").replace('"', '\\"')
    data = harness.data(
        "query($q: String!) { productVariants(first: 10, query: $q) { nodes { id } } }",
        {"q": f'sku:"{escaped}" OR sku:"PRODUCT-00002-3"'},
    )
    assert len(data["productVariants"]["nodes"]) == 2
    assert data["productVariants"]["nodes"][0]["id"] == f"gid://shopify/ProductVariant/{odd.id}"


def test_search_mixing_and_with_or_is_refused_not_guessed(harness: Harness) -> None:
    for query in ("sku:A OR sku:B title:x", "OR sku:A", "sku:A OR", "(sku:A OR sku:B)"):
        _, body = harness.gql(
            "query($q: String!) { productVariants(first: 1, query: $q) { nodes { id } } }",
            {"q": query},
        )
        assert body["errors"][0]["extensions"]["code"] == "NOT_IMPLEMENTED_BY_SIMULATOR", query
