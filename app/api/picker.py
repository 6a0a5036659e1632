"""What App Bridge's resource picker returns, read down to the one variant being linked.

`shopify.resourcePicker({type: "product"})` resolves to an array of products, each with the
`variants` the merchant ticked; `{type: "variant"}` to an array of variants, each naming its
`product`. Both carry GraphQL Admin ids (gid://shopify/...). Source: shopify.dev, App Bridge
"Resource Picker API". A link needs exactly one variant, so anything else is refused with a
reason the dashboard can show.
"""

from __future__ import annotations

import re
from typing import Any, Final

from app.api.errors import ApiError
from app.ingest.link import PRODUCT_GID, VARIANT_GID

_PRODUCT_ID: dict[str, Any] = {"type": "string", "pattern": PRODUCT_GID.pattern}
_VARIANT_ID: dict[str, Any] = {"type": "string", "pattern": VARIANT_GID.pattern}
# One picked item, in the three shapes `picked_variant` reads (other fields are ignored).
PICKED_ITEM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "oneOf": [
        {
            "description": "a product with the one variant ticked under it",
            "required": ["id", "variants"],
            "properties": {
                "id": _PRODUCT_ID,
                "variants": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": _VARIANT_ID},
                    },
                },
            },
        },
        {
            "description": "a variant naming its product",
            "required": ["id", "product"],
            "not": {"required": ["variants"]},
            "properties": {
                "id": _VARIANT_ID,
                "product": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": _PRODUCT_ID},
                },
            },
        },
        {
            "description": "a variant with its product's id beside it",
            "required": ["id", "productId"],
            "not": {"anyOf": [{"required": ["variants"]}, {"required": ["product"]}]},
            "properties": {"id": _VARIANT_ID, "productId": _PRODUCT_ID},
        },
    ],
}
PICKED_SCHEMA: Final[dict[str, Any]] = {
    "description": (
        "what App Bridge's resourcePicker resolved to (product or variant type), instead of "
        "shopify_product_gid and shopify_variant_gid; exactly one variant"
    ),
    "oneOf": [
        PICKED_ITEM_SCHEMA,
        {"type": "array", "minItems": 1, "maxItems": 1, "items": PICKED_ITEM_SCHEMA},
    ],
}


def _refuse(message: str) -> ApiError:
    return ApiError(422, "invalid_picker_selection", message)


def _gid(value: Any, pattern: re.Pattern[str], what: str) -> str:
    # `match`, as link.py reads the same patterns: the two never disagree on an id.
    if not isinstance(value, str) or pattern.match(value) is None:
        raise _refuse(f"the selection's {what} id is not a Shopify {what} GID")
    return value


def picked_variant(picked: Any) -> tuple[str, str]:
    """(product gid, variant gid) of a picker selection holding exactly one variant: what
    `PICKED_SCHEMA` describes, and nothing else (422 `invalid_picker_selection`)."""
    items = picked if isinstance(picked, list) else [picked]
    if len(items) != 1 or not isinstance(items[0], dict):
        raise _refuse("pick exactly one variant to link")
    item = items[0]
    if "variants" in item:  # a product, with the variants ticked under it
        variants = item["variants"]
        if not isinstance(variants, list) or len(variants) != 1:
            raise _refuse("pick exactly one variant of the product to link")
        variant = variants[0]
        if not isinstance(variant, dict):
            raise _refuse("the selection's variant is not an object")
        return _gid(item.get("id"), PRODUCT_GID, "product"), _gid(
            variant.get("id"), VARIANT_GID, "variant"
        )
    if "product" in item:
        product = item["product"]
        if not isinstance(product, dict):
            raise _refuse("the selection's product is not an object")
        product_id = product.get("id")
    else:
        product_id = item.get("productId")
    return _gid(product_id, PRODUCT_GID, "product"), _gid(item.get("id"), VARIANT_GID, "variant")


def with_picked(body: dict[str, Any]) -> dict[str, Any]:
    """The link body with `picked` replaced by the two gids (a body may not give both)."""
    if "picked" not in body:
        return body
    if "shopify_product_gid" in body or "shopify_variant_gid" in body:
        raise _refuse("give either picked or the two gids, not both")
    rest = {key: value for key, value in body.items() if key != "picked"}
    product_gid, variant_gid = picked_variant(body["picked"])
    return {**rest, "shopify_product_gid": product_gid, "shopify_variant_gid": variant_gid}
