"""Linking a Shopify variant to an Amazon listing, from what the merchant sent.

`LinkRequest.from_json` reads an untrusted JSON object into a validated request or raises
`LinkError` naming every bad field; `link_product` reads the variant from Shopify first (422
`variant_not_found`, 422 `product_mismatch`; the product GID is derived when omitted), then
writes the link with what Shopify holds for the variant (product and inventory item GIDs,
title, SKU, price, compare-at price) in one transaction (a duplicate link is a clean 409,
nothing half-written).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.config_reader import ZIP_OR_POSTCODE_RE
from app.extensions import db
from app.ingest.asin import Listing, ListingError, parse_listing
from app.ingest.budget import lock_shops, refund
from app.ingest.text_repair import clean_pasted
from app.models import Product, ScrapeJob, Shop
from app.models.shop import POLLING_TIERS
from app.shopify.graphql.errors import ShopifyAuthError, ShopifyError
from app.shopify.graphql.operations import LinkedVariant, read_linked_variant
from app.shopify.graphql.shop_client import RECONNECT, admin_client

VARIANT_GID: Final = re.compile(r"^gid://shopify/ProductVariant/[1-9][0-9]{0,18}$")
PRODUCT_GID: Final = re.compile(r"^gid://shopify/Product/[1-9][0-9]{0,18}$")
FIELDS: Final = frozenset(
    {
        "shopify_variant_gid",
        "shopify_product_gid",
        "asin",
        "marketplace",
        "url",
        "polling_tier",
        "delivery_location",
    }
)
_MAX_TEXT = 2048


class LinkError(ValueError):
    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class LinkRequest:
    variant_gid: str
    product_gid: str | None
    listing: Listing
    polling_tier: str | None = None
    delivery_location: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinkRequest:
        unknown = sorted(str(key) for key in data if key not in FIELDS)
        if unknown:
            raise LinkError(
                422,
                "unknown_fields",
                f"Unknown field(s): {', '.join(unknown)}.",
                {"unknown": unknown, "allowed": sorted(FIELDS)},
            )
        problems: dict[str, str] = {}
        variant = _gid(data, "shopify_variant_gid", VARIANT_GID, "ProductVariant", problems)
        product = (
            _gid(data, "shopify_product_gid", PRODUCT_GID, "Product", problems)
            if data.get("shopify_product_gid") is not None
            else None
        )
        tier = _optional(data, "polling_tier", problems)
        if tier is not None and tier not in POLLING_TIERS:
            problems["polling_tier"] = f"must be one of {', '.join(POLLING_TIERS)}"
        location = _optional(data, "delivery_location", problems)
        if location is not None and not ZIP_OR_POSTCODE_RE.match(location):
            problems["delivery_location"] = "must be a ZIP or postcode, such as 90210"
        if problems:
            raise LinkError(422, "invalid_fields", _summary(problems), {"fields": problems})
        return cls(variant, product, _listing(data), tier, location)


def _summary(problems: dict[str, str]) -> str:
    return "; ".join(f"{name} {problem}" for name, problem in sorted(problems.items())) + "."


def _gid(
    data: Mapping[str, Any],
    name: str,
    pattern: re.Pattern[str],
    kind: str,
    problems: dict[str, str],
) -> str:
    value = data.get(name)
    if isinstance(value, str):
        value = clean_pasted(value)
    if not isinstance(value, str) or not pattern.match(value):
        problems[name] = f"must be a Shopify {kind} GID such as gid://shopify/{kind}/123"
        return ""
    return value


def _optional(data: Mapping[str, Any], name: str, problems: dict[str, str]) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        problems[name] = "must be a string"
        return None
    return clean_pasted(value)


def _listing(data: Mapping[str, Any]) -> Listing:
    url, asin, marketplace = data.get("url"), data.get("asin"), data.get("marketplace")
    for name, value in (("url", url), ("asin", asin), ("marketplace", marketplace)):
        if value is not None and (not isinstance(value, str) or len(value) > _MAX_TEXT):
            raise LinkError(422, "invalid_listing", f"{name} must be a string.", {"field": name})
    if (url is None) == (asin is None):
        raise LinkError(
            422,
            "invalid_listing",
            "Give the Amazon listing as either {asin, marketplace} or {url}.",
        )
    text = url if url is not None else asin
    assert isinstance(text, str)  # checked above: exactly one of them, and a string
    try:
        return parse_listing(text, marketplace)
    except ListingError as error:
        raise LinkError(422, "invalid_listing", str(error)) from None


def read_variant(shop: Shop, request: LinkRequest) -> LinkedVariant:
    """The variant as Shopify has it, checked against the request (``LinkError`` if not)."""
    try:
        variant = read_linked_variant(admin_client(shop), request.variant_gid)
    except ShopifyAuthError as error:
        raise LinkError(409, "shopify_auth", RECONNECT, {"detail": str(error)}) from None
    except ShopifyError as error:
        message = "Shopify did not answer, so the variant could not be checked; try again."
        raise LinkError(503, "shopify_unavailable", message, {"detail": str(error)}) from None
    if variant is None:
        raise LinkError(
            422,
            "variant_not_found",
            f"Shopify has no variant {request.variant_gid} in this shop.",
            {"field": "shopify_variant_gid"},
        )
    if request.product_gid is not None and request.product_gid != variant.product_gid:
        raise LinkError(
            422,
            "product_mismatch",
            f"{request.variant_gid} belongs to {variant.product_gid}, not {request.product_gid}.",
            {"field": "shopify_product_gid", "owner": variant.product_gid},
        )
    return variant


def link_product(shop: Shop, request: LinkRequest, now: datetime) -> Product:
    """Check the variant with Shopify, then create the link, due for its first poll now;
    409 if the variant is already linked. Nothing is stored when Shopify says no."""
    variant = read_variant(shop, request)
    product = Product(
        **link_values(shop.id, variant, request.listing, now),
        delivery_location=request.delivery_location,
        polling_tier=request.polling_tier or shop.polling_tier,
    )
    db.session.add(product)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise LinkError(
            409,
            "already_linked",
            f"{request.variant_gid} is already linked to an Amazon listing; unlink it first.",
        ) from None
    return product


def link_values(
    shop_id: int, variant: LinkedVariant, listing: Listing, now: datetime
) -> dict[str, Any]:
    """A new link's columns from what Shopify holds for the variant: active, due to poll now."""
    return {
        "shop_id": shop_id,
        "asin": listing.asin,
        "marketplace": listing.marketplace,
        "shopify_product_gid": variant.product_gid,
        "shopify_variant_gid": variant.variant_gid,
        "shopify_inventory_item_gid": variant.inventory_item_gid,
        "shopify_variant_title": variant.title,
        "shopify_sku": variant.sku,
        "shopify_price": variant.price,
        # Shopify's own time of that price (to the second, as its webhooks give it), so a
        # products/update of an edit made in the same second is not taken for a late one.
        "shopify_price_at": min(variant.updated_at or now, now),
        "shopify_compare_at_price": variant.compare_at_price,
        "status": "active",
        "next_poll_at": now,
    }


def unlink_product(product: Product, now: datetime) -> None:
    """Delete the link (its history, changes and polls go with it, by cascade) and commit,
    giving back the results reserved for polls of it not yet sent to the provider.

    Locks the product, then its unsent claims (waiting, a moment, for a submit committing
    its attempt on them, which makes them sent, and billed: a submit holds no lock while
    Oxylabs answers), then the shop: the order the polling stages lock.
    """
    locked = db.session.scalar(select(Product).where(Product.id == product.id).with_for_update())
    if locked is None:  # unlinked by another request meanwhile
        db.session.rollback()
        return
    unsent = db.session.scalars(
        select(ScrapeJob.id)
        .where(
            ScrapeJob.product_id == locked.id,
            ScrapeJob.state == "claimed",
            ScrapeJob.attempts == 0,
        )
        .with_for_update()
    ).all()
    if unsent:
        shop = lock_shops({locked.shop_id}).get(locked.shop_id)
        if shop is not None:
            refund(shop, len(unsent), now)
    db.session.delete(locked)
    db.session.commit()


def shop_product(shop_id: int, product_id: int) -> Product | None:
    """The shop's product, or None (another shop's product is as good as missing)."""
    if not 0 < product_id < 2**63:
        return None
    statement = select(Product).where(Product.id == product_id, Product.shop_id == shop_id)
    return db.session.scalars(statement).first()
