"""Searching the shop's variants for linking: `productVariants(query:)` through the throttle.

Shopify's search syntax treats `:`, quotes, parentheses and words like OR specially; the
merchant's text is sent as one quoted phrase (backslash-escaped), so "Blue: XL" is searched as
typed, never as a field filter. Source: shopify.dev, "Shopify API search syntax".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.documents import document
from app.shopify.graphql.errors import ShopifyQueryError
from app.shopify.graphql.operations import parse_admin_money

MAX_PAGE: Final = 50
MAX_QUERY_LENGTH: Final = 200


@dataclass(frozen=True)
class FoundVariant:
    variant_gid: str
    product_gid: str
    product_title: str
    variant_title: str
    sku: str | None
    barcode: str | None
    price: Decimal
    image_url: str | None
    image_alt: str | None


@dataclass(frozen=True)
class VariantPage:
    variants: list[FoundVariant]
    next_cursor: str | None


def search_phrase(text: str) -> str:
    """The merchant's text as one Shopify search phrase ('' matches every variant)."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return ""
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_variants(
    client: AdminClient, text: str, *, first: int = 20, after: str | None = None
) -> VariantPage:
    """One page of the shop's variants matching `text` (title, product title, SKU, barcode).

    Raises ValueError for a bad page size or an over-long text, and the client's ShopifyError
    taxonomy (auth, throttled, unavailable, query) for Shopify's failures.
    """
    if not 1 <= first <= MAX_PAGE:
        raise ValueError(f"first must be 1..{MAX_PAGE}, got {first}")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(f"the search text is over {MAX_QUERY_LENGTH} characters")
    variables: dict[str, Any] = {"query": search_phrase(text), "first": first, "after": after}
    answer = client.execute(document("VariantSearch"), variables)
    connection = answer.data.get("productVariants")
    if not isinstance(connection, dict):
        raise ShopifyQueryError(client.shop, "productVariants answered without a connection")
    page_info = connection.get("pageInfo") or {}
    cursor = page_info.get("endCursor") if page_info.get("hasNextPage") else None
    return VariantPage(
        variants=[_variant(node, client.shop) for node in connection.get("nodes") or []],
        next_cursor=cursor if isinstance(cursor, str) else None,
    )


def _variant(node: dict[str, Any], shop: str) -> FoundVariant:
    product = node.get("product") or {}
    if not isinstance(node.get("id"), str) or not isinstance(product.get("id"), str):
        raise ShopifyQueryError(shop, f"a variant without ids: {node!r:.200}")
    image = _first_image(node.get("media")) or _media_image(product.get("featuredMedia"))
    return FoundVariant(
        variant_gid=node["id"],
        product_gid=product["id"],
        product_title=str(product.get("title") or ""),
        variant_title=str(node.get("title") or ""),
        sku=node.get("sku") or None,
        barcode=node.get("barcode") or None,
        price=parse_admin_money(node.get("price"), f"{node['id']} price"),
        image_url=image.get("url") if image else None,
        image_alt=image.get("altText") if image else None,
    )


def _first_image(media: Any) -> dict[str, Any] | None:
    nodes = media.get("nodes") if isinstance(media, dict) else None
    return _media_image(nodes[0]) if nodes else None


def _media_image(media: Any) -> dict[str, Any] | None:
    if not isinstance(media, dict):
        return None
    image = (media.get("preview") or {}).get("image")
    return image if isinstance(image, dict) and isinstance(image.get("url"), str) else None
