"""/api/shopify/variants: search the shop's Shopify variants to link them."""

from __future__ import annotations

from typing import Any, Final

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.query import (
    decode_cursor,
    encode_cursor,
    query_args,
    query_parameter,
    whole_number,
)
from app.extensions import db
from app.models import Product
from app.shopify.graphql.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyQueryError,
    ShopifyThrottled,
    ShopifyUnavailable,
)
from app.shopify.graphql.shop_client import admin_client
from app.shopify.graphql.variant_search import (
    MAX_PAGE,
    MAX_QUERY_LENGTH,
    FoundVariant,
    search_variants,
)

# An interactive search gives up sooner than a background job would.
SEARCH_ATTEMPTS = 3
MAX_CURSOR: Final = 1000
_CURSOR_KIND: Final = "variants"
_TEXT = {"type": ["string", "null"]}
FOUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["variant_gid", "product_gid", "product_title", "variant_title", "price"],
    "properties": {
        "variant_gid": {"type": "string"},
        "product_gid": {"type": "string"},
        "product_title": {"type": "string"},
        "variant_title": {"type": "string"},
        "sku": _TEXT,
        "barcode": _TEXT,
        "price": {"type": "string", "description": "decimal, the shop's currency"},
        "image_url": _TEXT,
        "image_alt": _TEXT,
        "linked_product_id": {
            "type": ["integer", "null"],
            "description": "the PriceBridge product already linked to this variant, if any",
        },
    },
}


@bp.get("/shopify/variants")
@operation(
    summary="Search the shop's Shopify variants by title, SKU or barcode, for linking",
    tags=["products"],
    parameters=[
        query_parameter(
            "query",
            f"free text, up to {MAX_QUERY_LENGTH} characters",
            {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": "^[^\\x00]*$"},
        ),
        query_parameter(
            "limit",
            f"1..{MAX_PAGE}, default 20",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        ),
        query_parameter(
            "cursor",
            "opaque: next_cursor of the same search",
            {"type": "string", "minLength": 1, "maxLength": MAX_CURSOR},
        ),
    ],
    responses={
        200: {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": FOUND_SCHEMA},
                "next_cursor": _TEXT,
            },
        },
        409: ERROR_SCHEMA,
        422: ERROR_SCHEMA,
        502: ERROR_SCHEMA,
        503: ERROR_SCHEMA,
    },
)
@session_required
def search_shop_variants() -> ResponseReturnValue:
    args = query_args({"query", "limit", "cursor"})
    text = args.get("query", "")
    if len(text) > MAX_QUERY_LENGTH or "\x00" in text:
        raise ApiError(
            422, "invalid_query", f"query is text of at most {MAX_QUERY_LENGTH} characters."
        )
    limit = whole_number("limit", args["limit"], 1, MAX_PAGE) if "limit" in args else 20
    after = _shopify_cursor(args["cursor"], text) if "cursor" in args else None
    shop = current_session().shop
    client = admin_client(shop)
    client.max_attempts = SEARCH_ATTEMPTS
    try:
        page = search_variants(client, text, first=limit, after=after)
    except ShopifyError as error:
        raise _shopify_error(error, after) from None
    linked = _linked(shop.id, [found.variant_gid for found in page.variants])
    return jsonify(
        items=[_found_json(found, linked.get(found.variant_gid)) for found in page.variants],
        next_cursor=None if page.next_cursor is None else _cursor(text, page.next_cursor),
    )


def _cursor(text: str, shopify_cursor: str) -> str:
    """Our cursor wraps Shopify's with the search it pages, so a cursor that is not ours, or
    belongs to another search, is refused here (422) instead of reaching Shopify."""
    return encode_cursor([_CURSOR_KIND, text, shopify_cursor])


def _shopify_cursor(raw: str, text: str) -> str:
    if not raw or len(raw) > MAX_CURSOR:
        raise _invalid_cursor()
    kind, searched, shopify_cursor = decode_cursor(raw, (str, str, str))
    if kind != _CURSOR_KIND or searched != text or not shopify_cursor:
        raise _invalid_cursor()
    return str(shopify_cursor)


def _invalid_cursor() -> ApiError:
    return ApiError(
        422, "invalid_cursor", "The cursor is not one this search gave out; search again."
    )


def _linked(shop_id: int, variant_gids: list[str]) -> dict[str, int]:
    if not variant_gids:
        return {}
    rows = db.session.execute(
        select(Product.shopify_variant_gid, Product.id).where(
            Product.shop_id == shop_id, Product.shopify_variant_gid.in_(variant_gids)
        )
    )
    return {gid: product_id for gid, product_id in rows}


def _found_json(found: FoundVariant, linked: int | None) -> dict[str, Any]:
    return {
        "variant_gid": found.variant_gid,
        "product_gid": found.product_gid,
        "product_title": found.product_title,
        "variant_title": found.variant_title,
        "sku": found.sku,
        "barcode": found.barcode,
        "price": str(found.price),
        "image_url": found.image_url,
        "image_alt": found.image_alt,
        "linked_product_id": linked,
    }


def _shopify_error(error: ShopifyError, after: str | None) -> ApiError:
    if isinstance(error, ShopifyAuthError):
        return ApiError(409, "shopify_access_lost", str(error))
    if isinstance(error, ShopifyThrottled | ShopifyUnavailable):
        return ApiError(
            503,
            "shopify_unavailable",
            "Shopify is busy or unreachable; try the search again shortly.",
            headers={"Retry-After": "5"},
        )
    # A cursor Shopify does not recognise (one of ours, forged inside) is a query error that
    # names it: "Invalid cursor for current pagination sort."
    names_cursor = "cursor" in str(error).lower()
    if after is not None and isinstance(error, ShopifyQueryError) and names_cursor:
        return _invalid_cursor()
    return ApiError(502, "shopify_query_failed", str(error))
