from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.sim.shopify.graphql.harness import SHOP, Harness

BULK = """
mutation Bulk($productId: ID!, $variants: [ProductVariantsBulkInput!]!, $partial: Boolean) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants,
                            allowPartialUpdates: $partial) {
    productVariants { id price compareAtPrice }
    userErrors { field message code }
  }
}
"""
Product = Callable[[], dict[str, Any]]


def _prices(harness: Harness) -> dict[str, str]:
    return {v["id"]: v["price"] for v in harness.admin.variants(SHOP)}


def test_prices_change_and_the_webhook_hook_gets_the_rest_payload(
    harness: Harness, first_product: Product
) -> None:
    product = first_product()
    first, second = (v["id"] for v in product["variants"]["nodes"][:2])
    harness.clock.advance(60)
    result = harness.data(
        BULK,
        {
            "productId": product["id"],
            "variants": [
                {"id": first, "price": "21.50", "compareAtPrice": "30"},
                {"id": second, "price": 9},
            ],
        },
    )["productVariantsBulkUpdate"]
    assert result["userErrors"] == []
    assert result["productVariants"] == [
        {"id": first, "price": "21.50", "compareAtPrice": "30.00"},
        {"id": second, "price": "9.00", "compareAtPrice": None},
    ]
    assert _prices(harness)[first] == "21.50"
    [(shop, payload)] = harness.updates
    assert shop == SHOP
    assert payload["admin_graphql_api_id"] == product["id"]
    assert payload["updated_at"] == "2026-10-01T12:01:00+00:00"
    by_gid = {v["admin_graphql_api_id"]: v for v in payload["variants"]}
    assert by_gid[first]["price"] == "21.50"
    assert by_gid[first]["compare_at_price"] == "30.00"
    assert isinstance(by_gid[first]["id"], int)


def test_errors_without_partial_updates_change_nothing_and_list_the_unchanged_variants(
    harness: Harness, first_product: Product
) -> None:
    product = first_product()
    good, _, other = (v["id"] for v in product["variants"]["nodes"])
    before = _prices(harness)
    compare_at = {v["id"]: None for v in product["variants"]["nodes"]}
    result = harness.data(
        BULK,
        {
            "productId": product["id"],
            "variants": [
                {"id": good, "price": "1.00"},
                {"id": other, "price": "-5"},
                {"id": "gid://shopify/ProductVariant/42", "price": "3"},
            ],
        },
    )["productVariantsBulkUpdate"]
    assert result["userErrors"] == [
        {
            "field": ["variants", "1", "price"],
            "message": "Price must be greater than or equal to 0",
            "code": "GREATER_THAN_OR_EQUAL_TO",
        },
        {
            "field": ["variants", "2", "id"],
            "message": "Product variant does not exist",
            "code": "PRODUCT_VARIANT_DOES_NOT_EXIST",
        },
    ]
    # As Shopify answers a refused update: the named variants of the product, unchanged.
    assert result["productVariants"] == [
        {"id": good, "price": before[good], "compareAtPrice": compare_at[good]},
        {"id": other, "price": before[other], "compareAtPrice": compare_at[other]},
    ]
    assert _prices(harness) == before
    assert harness.updates == []


def test_partial_updates_apply_the_valid_entries(harness: Harness, first_product: Product) -> None:
    product = first_product()
    good, bad, _ = (v["id"] for v in product["variants"]["nodes"])
    result = harness.data(
        BULK,
        {
            "productId": product["id"],
            "partial": True,
            "variants": [
                {"id": good, "price": "1.00"},
                {"id": bad, "price": "-1"},
            ],
        },
    )["productVariantsBulkUpdate"]
    assert [(v["id"], v["price"]) for v in result["productVariants"]] == [
        (good, "1.00"),
        (bad, _prices(harness)[bad]),
    ]
    assert [e["code"] for e in result["userErrors"]] == ["GREATER_THAN_OR_EQUAL_TO"]
    assert _prices(harness)[good] == "1.00"


def test_negative_compare_at_price_is_refused_like_a_negative_price(
    harness: Harness, first_product: Product
) -> None:
    product = first_product()
    variant = product["variants"]["nodes"][0]["id"]
    result = harness.data(
        BULK,
        {"productId": product["id"], "variants": [{"id": variant, "compareAtPrice": "-0.01"}]},
    )["productVariantsBulkUpdate"]
    assert result["userErrors"] == [
        {
            "field": ["variants", "0", "compareAtPrice"],
            "message": "Compare at price must be greater than or equal to 0",
            "code": "GREATER_THAN_OR_EQUAL_TO",
        }
    ]


def test_variant_of_another_product_does_not_exist_for_this_one(harness: Harness) -> None:
    products = harness.data(
        "{ products(first: 2) { nodes { id variants(first: 1) { nodes { id } } } } }"
    )["products"]["nodes"]
    foreign = products[1]["variants"]["nodes"][0]["id"]
    before = _prices(harness)
    result = harness.data(
        BULK, {"productId": products[0]["id"], "variants": [{"id": foreign, "price": "2"}]}
    )["productVariantsBulkUpdate"]
    assert result["userErrors"] == [
        {
            "field": ["variants", "0", "id"],
            "message": "Product variant does not exist",
            "code": "PRODUCT_VARIANT_DOES_NOT_EXIST",
        }
    ]
    assert result["productVariants"] == []  # the foreign variant is not this product's
    assert _prices(harness) == before
    assert harness.updates == []


def test_missing_product(harness: Harness, first_product: Product) -> None:
    variant = first_product()["variants"]["nodes"][0]["id"]
    missing = harness.data(
        BULK, {"productId": "gid://shopify/Product/1", "variants": [{"id": variant, "price": "2"}]}
    )["productVariantsBulkUpdate"]
    assert missing["userErrors"] == [
        {
            "field": ["productId"],
            "message": "Product does not exist",
            "code": "PRODUCT_DOES_NOT_EXIST",
        }
    ]


def test_more_than_250_variants_is_a_top_level_error(
    harness: Harness, first_product: Product
) -> None:
    product = first_product()
    variant = product["variants"]["nodes"][0]["id"]
    _, body = harness.gql(
        BULK, {"productId": product["id"], "variants": [{"id": variant, "price": "1"}] * 251}
    )
    [error] = body["errors"]
    assert error["message"] == (
        "The input array size of 251 is greater than the maximum allowed of 250."
    )
    assert error["extensions"] == {"code": "MAX_INPUT_SIZE_EXCEEDED"}
    assert body["data"] == {"productVariantsBulkUpdate": None}


def test_invalid_money_is_a_variable_error(harness: Harness, first_product: Product) -> None:
    product = first_product()
    variant = product["variants"]["nodes"][0]["id"]
    _, body = harness.gql(
        BULK, {"productId": product["id"], "variants": [{"id": variant, "price": "abc"}]}
    )
    assert body["errors"][0]["message"].startswith(
        "Variable $variants of type [ProductVariantsBulkInput!]! was provided invalid value"
        " for 0.price"
    )


def test_injected_user_error_fault_fails_that_variant_once(
    harness: Harness, first_product: Product
) -> None:
    product = first_product()
    variant = product["variants"]["nodes"][0]["id"]
    armed = harness.client.post(
        "/_sim/graphql/faults",
        json={
            "kind": "user_error",
            "variant_id": variant,
            "code": "PRODUCT_SUSPENDED",
            "message": "Product is suspended.",
        },
    )
    assert armed.status_code == 201
    variables = {"productId": product["id"], "variants": [{"id": variant, "price": "3"}]}
    first = harness.data(BULK, variables)["productVariantsBulkUpdate"]
    assert [e["code"] for e in first["userErrors"]] == ["PRODUCT_SUSPENDED"]
    second = harness.data(BULK, variables)["productVariantsBulkUpdate"]
    assert second["userErrors"] == []
    assert _prices(harness)[variant] == "3.00"
