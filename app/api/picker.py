"""What App Bridge's resource picker returns, read down to the one variant being linked.

`shopify.resourcePicker({type: "product"})` resolves to an array of products, each with the
`variants` the merchant ticked; `{type: "variant"}` to an array of variants, each naming its
`product`. Both carry GraphQL Admin ids (gid://shopify/...). Source: shopify.dev, App Bridge
"Resource Picker API". A link needs exactly one variant, so anything else is refused with a
reason the dashboard can show.
"""

from __future__ import annotations

from typing import Any, Final

from app.api.errors import ApiError

PRODUCT_PREFIX: Final = "gid://shopify/Product/"
VARIANT_PREFIX: Final = "gid://shopify/ProductVariant/"

PICKED_SCHEMA: dict[str, Any] = {
    "description": (
        "what App Bridge's resourcePicker resolved to (product or variant type), instead of "
        "shopify_product_gid and shopify_variant_gid; exactly one variant"
    ),
    "type": ["array", "object"],
}


def _refuse(message: str) -> ApiError:
    return ApiError(422, "invalid_picker_selection", message)


def _gid(value: Any, prefix: str, what: str) -> str:
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) > 100:
        raise _refuse(f"the selection's {what} id is not a {prefix}... id")
    suffix = value[len(prefix) :]
    if not (suffix.isascii() and suffix.isdigit()):
        raise _refuse(f"the selection's {what} id is not a {prefix}... id")
    return value


def picked_variant(picked: Any) -> tuple[str, str]:
    """(product gid, variant gid) of a picker selection holding exactly one variant."""
    items = picked if isinstance(picked, list) else [picked]
    if len(items) != 1 or not isinstance(items[0], dict):
        raise _refuse("pick exactly one variant to link")
    item = items[0]
    variants = item.get("variants")
    if variants is not None:  # a product, with the variants ticked under it
        if not isinstance(variants, list) or len(variants) != 1:
            raise _refuse("pick exactly one variant of the product to link")
        variant = variants[0]
        if not isinstance(variant, dict):
            raise _refuse("the selection's variant is not an object")
        return _gid(item.get("id"), PRODUCT_PREFIX, "product"), _gid(
            variant.get("id"), VARIANT_PREFIX, "variant"
        )
    product = item.get("product")
    product_id = product.get("id") if isinstance(product, dict) else item.get("productId")
    return _gid(product_id, PRODUCT_PREFIX, "product"), _gid(
        item.get("id"), VARIANT_PREFIX, "variant"
    )


def with_picked(body: dict[str, Any]) -> dict[str, Any]:
    """The link body with `picked` replaced by the two gids (a body may not give both)."""
    if "picked" not in body:
        return body
    if "shopify_product_gid" in body or "shopify_variant_gid" in body:
        raise _refuse("give either picked or the two gids, not both")
    rest = {key: value for key, value in body.items() if key != "picked"}
    product_gid, variant_gid = picked_variant(body["picked"])
    return {**rest, "shopify_product_gid": product_gid, "shopify_variant_gid": variant_gid}
