"""App Bridge resource picker selections, read down to one (product, variant)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.api.errors import ApiError
from app.api.picker import PICKED_SCHEMA, picked_variant, with_picked

P, V = "gid://shopify/Product/77", "gid://shopify/ProductVariant/4411"
SCHEMA = Draft202012Validator(PICKED_SCHEMA)


@pytest.mark.parametrize(
    "picked",
    [
        [{"id": P, "title": "Mug", "variants": [{"id": V, "title": "Blue", "sku": "M-B"}]}],
        {"id": P, "variants": [{"id": V}]},
        [{"id": V, "title": "Blue", "product": {"id": P}}],
        {"id": V, "productId": P},
    ],
)
def test_product_and_variant_selections(picked: Any) -> None:
    assert picked_variant(picked) == (P, V)
    assert SCHEMA.is_valid(picked)  # the OpenAPI document allows what the server reads


@pytest.mark.parametrize(
    "picked",
    [
        [],
        [{"id": P, "variants": [{"id": V}]}, {"id": P, "variants": [{"id": V}]}],
        [{"id": P, "variants": []}],
        [{"id": P, "variants": [{"id": V}, {"id": V + "2"}]}],
        [{"id": P, "variants": ["x"]}],
        [{"id": V}],
        [{"id": "gid://shopify/Collection/1", "variants": [{"id": V}]}],
        [{"id": P, "variants": [{"id": "gid://shopify/ProductVariant/12a"}]}],
        [{"id": V, "product": {"id": "gid://shopify/Product/" + "9" * 200}}],
        "gid://shopify/ProductVariant/1",
        [None],
        # A `product` that is not an object is not read past to `productId`.
        {"id": V, "product": "x", "productId": P},
        # `variants` present, even null, makes it a product selection.
        {"id": V, "variants": None, "product": {"id": P}},
        {"id": V, "product": {"id": "gid://shopify/Product/" + "9" * 20}},  # past BIGINT
        {"id": "gid://shopify/ProductVariant/0441", "productId": P},  # a leading zero
    ],
)
def test_selections_that_are_not_one_variant_are_refused(picked: Any) -> None:
    with pytest.raises(ApiError) as refused:
        picked_variant(picked)
    assert refused.value.status == 422
    assert refused.value.code == "invalid_picker_selection"
    assert not SCHEMA.is_valid(picked)  # and the OpenAPI document refuses it too


def test_with_picked_replaces_the_selection_by_the_two_gids() -> None:
    body = {"picked": [{"id": V, "product": {"id": P}}], "asin": "B0CYVN8CCQ"}
    assert with_picked(body) == {
        "asin": "B0CYVN8CCQ",
        "shopify_product_gid": P,
        "shopify_variant_gid": V,
    }
    assert with_picked({"asin": "x"}) == {"asin": "x"}
    with pytest.raises(ApiError):
        with_picked({"picked": {"id": V, "productId": P}, "shopify_variant_gid": V})
