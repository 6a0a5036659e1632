"""JSON shapes of /api/products: the serialisers and the schemas that document them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Row

from app.api.picker import PICKED_SCHEMA
from app.api.pricing_schema import PRICING_SUMMARY_SCHEMA
from app.config_reader import ZIP_OR_POSTCODE_RE
from app.ingest.asin import MARKETPLACES
from app.ingest.link import PRODUCT_GID, VARIANT_GID
from app.ingest.policy import Usage
from app.models import Observation, Product
from app.models.product import AVAILABILITIES, PRODUCT_STATUSES
from app.price_changes.summary import SUMMARY_PRODUCT_COLUMNS, pricing_summaries, summary_of_row

_TIME: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
_DATE: dict[str, Any] = {"type": ["string", "null"], "format": "date"}
_MONEY: dict[str, Any] = {"type": ["string", "null"], "description": "decimal string"}
_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_AMAZON_URL = (
    r"^https://www\.amazon\.("
    + "|".join(re.escape(code) for code in sorted(MARKETPLACES))
    + r")/dp/[A-Z0-9]{10}$"
)

LINK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": (
        "the variant as shopify_variant_gid (shopify_product_gid optional: read from Shopify),"
        " or as picked"
    ),
    "properties": {
        "picked": PICKED_SCHEMA,
        "shopify_variant_gid": {
            "type": "string",
            "pattern": VARIANT_GID.pattern,
        },
        "shopify_product_gid": {
            "type": "string",
            "pattern": PRODUCT_GID.pattern,
            "description": "optional: read from Shopify; when given it must own the variant",
        },
        "asin": {
            "type": "string",
            "pattern": "^[A-Za-z0-9]{10}$",
            "description": "with marketplace; or give url",
        },
        "marketplace": {"type": "string", "enum": sorted(MARKETPLACES)},
        "url": {
            "type": "string",
            "pattern": _AMAZON_URL,
            "description": "an Amazon product URL (parsed, never fetched)",
        },
        "polling_tier": {"type": "string", "enum": ["hot", "normal", "cold"]},
        "delivery_location": {
            "type": "string",
            "pattern": ZIP_OR_POSTCODE_RE.pattern,
            "description": "ZIP or postcode",
        },
    },
    "allOf": [
        # The variant: both gids, or App Bridge's picker selection (app.api.picker).
        {
            "oneOf": [
                {
                    "required": ["shopify_variant_gid", "shopify_product_gid"],
                    "not": {"required": ["picked"]},
                },
                {
                    "required": ["picked"],
                    "not": {
                        "anyOf": [
                            {"required": ["shopify_variant_gid"]},
                            {"required": ["shopify_product_gid"]},
                        ]
                    },
                },
            ]
        },
        # The listing: {asin, marketplace} or {url}, never both (app.ingest.link).
        {
            "oneOf": [
                {"required": ["asin", "marketplace"], "not": {"required": ["url"]}},
                {
                    "required": ["url"],
                    "not": {"anyOf": [{"required": ["asin"]}, {"required": ["marketplace"]}]},
                },
            ]
        },
    ],
}


USAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["month", "used", "budget", "remaining"],
    "properties": {
        "month": {"type": "string", "format": "date"},
        "used": {"type": "integer"},
        "budget": {"type": "integer"},
        "remaining": {"type": "integer"},
    },
}

PRODUCT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "asin", "marketplace", "status", "availability"],
    "properties": {
        "id": {"type": "integer"},
        "asin": {"type": "string"},
        "marketplace": {"type": "string"},
        "amazon_url": {"type": "string"},
        "shopify_product_gid": {"type": "string"},
        "shopify_variant_gid": {"type": "string"},
        "shopify_inventory_item_gid": {"type": ["string", "null"]},
        "shopify_variant_title": {"type": ["string", "null"]},
        "shopify_sku": {"type": ["string", "null"]},
        "shopify_compare_at_price": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": list(PRODUCT_STATUSES)},
        "status_reason": _TEXT,
        "polling_tier": {"type": "string"},
        "delivery_location": _TEXT,
        "last_polled_at": _TIME,
        "next_poll_at": _TIME,
        "observed_at": _TIME,
        "amazon_price": _MONEY,
        "amazon_currency": _TEXT,
        "previous_amazon_price": {
            **_MONEY,
            "description": "Amazon's price before its last move (same currency), or null",
        },
        "amazon_price_changed_at": {**_TIME, "description": "when Amazon's price last moved"},
        "availability": {"type": "string", "enum": list(AVAILABILITIES)},
        "delivery_earliest": _DATE,
        "delivery_latest": _DATE,
        "title": _TEXT,
        "image_url": _TEXT,
        "shopify_price": _MONEY,
        "created_at": _TIME,
        "pricing": PRICING_SUMMARY_SCHEMA,
    },
}

OBSERVATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "observed_at", "price", "availability", "quarantined"],
    "properties": {
        "id": {"type": "integer"},
        "observed_at": _TIME,
        "price": _MONEY,
        "list_price": _MONEY,
        "shipping_price": _MONEY,
        "currency": _TEXT,
        "availability": {"type": "string", "enum": list(AVAILABILITIES)},
        "stock_text": {"type": "string"},
        "delivery_earliest": _DATE,
        "delivery_latest": _DATE,
        "title": _TEXT,
        "image_url": _TEXT,
        "seller": _TEXT,
        "is_amazon_fulfilled": {"type": ["boolean", "null"]},
        "parse_status": {"type": ["integer", "null"]},
        "quarantined": {"type": "boolean"},
        "quarantine_reason": _TEXT,
        "source_job_id": _TEXT,
    },
}

PRODUCT_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_cursor", "usage"],
    "properties": {
        "items": {"type": "array", "items": PRODUCT_SCHEMA},
        "next_cursor": _TEXT,
        "usage": USAGE_SCHEMA,
    },
}

HISTORY_SCHEMA: dict[str, Any] = {
    "allOf": [PRODUCT_SCHEMA],
    "type": "object",
    "properties": {
        "history": {"type": "array", "items": OBSERVATION_SCHEMA},
        "history_next_cursor": _TEXT,
    },
}


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def products_json(products: Sequence[Product]) -> list[dict[str, Any]]:
    """Product answers with their pricing summary (one query for the whole page)."""
    summaries = pricing_summaries(products)
    return [{**product_json(product_fields(p)), "pricing": summaries[p.id]} for p in products]


def product_fields(product: Product) -> dict[str, Any]:
    """A Product's PRODUCT_COLUMNS by name, as `product_json` reads them."""
    return {key: getattr(product, key) for key in PRODUCT_KEYS}


# What `product_json` and the pricing summary read: a page selects these columns (with
# app.price_changes.summary.CHANGE_BRIEF_COLUMNS) and serialises its rows with
# `product_rows_json`, never loading Product objects.
PRODUCT_COLUMNS: Final = tuple(
    {
        column.key: column
        for column in (
            Product.id,
            Product.asin,
            Product.marketplace,
            Product.shopify_product_gid,
            Product.shopify_variant_gid,
            Product.shopify_inventory_item_gid,
            Product.shopify_variant_title,
            Product.shopify_sku,
            Product.shopify_compare_at_price,
            Product.status,
            Product.status_reason,
            Product.polling_tier,
            Product.delivery_location,
            Product.last_polled_at,
            Product.next_poll_at,
            Product.observed_at,
            Product.amazon_price,
            Product.amazon_currency,
            Product.previous_amazon_price,
            Product.availability,
            Product.delivery_earliest,
            Product.delivery_latest,
            Product.title,
            Product.image_url,
            Product.created_at,
            Product.price_changed_at,
            *SUMMARY_PRODUCT_COLUMNS,
        )
    }.values()
)


PRODUCT_KEYS: Final = tuple(column.key for column in PRODUCT_COLUMNS)


def product_rows_json(rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """Product answers from rows holding PRODUCT_COLUMNS and CHANGE_BRIEF_COLUMNS."""
    answers = []
    for row in rows:
        fields = row._asdict()  # one dict per row: a Row's attribute lookups cost more
        answers.append({**product_json(fields), "pricing": summary_of_row(fields)})
    return answers


def product_json(p: Mapping[str, Any]) -> dict[str, Any]:
    """`p`: PRODUCT_COLUMNS by name (a row's `_mapping`, or `product_fields(product)`)."""
    return {
        "id": p["id"],
        "asin": p["asin"],
        "marketplace": p["marketplace"],
        "amazon_url": f"https://www.amazon.{p['marketplace']}/dp/{p['asin']}",
        "shopify_product_gid": p["shopify_product_gid"],
        "shopify_variant_gid": p["shopify_variant_gid"],
        "shopify_inventory_item_gid": p["shopify_inventory_item_gid"],
        "shopify_variant_title": p["shopify_variant_title"],
        "shopify_sku": p["shopify_sku"],
        "shopify_compare_at_price": _money(p["shopify_compare_at_price"]),
        "status": p["status"],
        "status_reason": p["status_reason"],
        "polling_tier": p["polling_tier"],
        "delivery_location": p["delivery_location"],
        "last_polled_at": _iso(p["last_polled_at"]),
        "next_poll_at": _iso(p["next_poll_at"]),
        "observed_at": _iso(p["observed_at"]),
        "amazon_price": _money(p["amazon_price"]),
        "amazon_currency": p["amazon_currency"],
        "previous_amazon_price": _money(p["previous_amazon_price"]),
        "amazon_price_changed_at": _iso(p["price_changed_at"]),
        "availability": p["availability"],
        "delivery_earliest": _iso(p["delivery_earliest"]),
        "delivery_latest": _iso(p["delivery_latest"]),
        "title": p["title"],
        "image_url": p["image_url"],
        "shopify_price": _money(p["shopify_price"]),
        "created_at": _iso(p["created_at"]),
    }


def observation_json(row: Observation) -> dict[str, Any]:
    return {
        "id": row.id,
        "observed_at": _iso(row.observed_at),
        "price": _money(row.price),
        "list_price": _money(row.list_price),
        "shipping_price": _money(row.shipping_price),
        "currency": row.currency,
        "availability": row.availability,
        "stock_text": row.stock_text,
        "delivery_earliest": _iso(row.delivery_earliest),
        "delivery_latest": _iso(row.delivery_latest),
        "title": row.title,
        "image_url": row.image_url,
        "seller": row.seller,
        "is_amazon_fulfilled": row.is_amazon_fulfilled,
        "parse_status": row.parse_status,
        "quarantined": row.quarantined,
        "quarantine_reason": row.quarantine_reason,
        "source_job_id": row.source_job_id,
    }


def usage_json(usage: Usage) -> dict[str, Any]:
    return {
        "month": usage.month.isoformat(),
        "used": usage.used,
        "budget": usage.budget,
        "remaining": usage.remaining,
    }
