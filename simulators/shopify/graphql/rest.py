"""The REST-shaped products/update webhook body for a product, as Shopify sends it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulators.shopify.graphql.paging import gid, money
from simulators.shopify.graphql.store import Product, ShopState, Variant
from simulators.shopify.graphql.views import available


def _rest_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _gid_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _variant(state: ShopState, variant: Variant) -> dict[str, Any]:
    quantity = available(state, variant.inventory_item_id)
    return {
        "admin_graphql_api_id": gid("ProductVariant", variant.id),
        "barcode": None,
        "compare_at_price": money(variant.compare_at_price),
        "created_at": _rest_time(variant.created_at),
        "id": variant.id,
        "inventory_policy": "deny",
        "position": variant.position,
        "price": money(variant.price),
        "product_id": variant.product_id,
        "sku": variant.sku,
        "taxable": True,
        "title": variant.title,
        "updated_at": _rest_time(variant.updated_at),
        "option1": variant.title,
        "option2": None,
        "option3": None,
        "image_id": None,
        "inventory_item_id": variant.inventory_item_id,
        "inventory_quantity": quantity,
        "old_inventory_quantity": quantity,
    }


def product_update_payload(state: ShopState, product: Product) -> dict[str, Any]:
    variants = [state.variants[variant_id] for variant_id in product.variant_ids]
    return {
        "admin_graphql_api_id": gid("Product", product.id),
        "body_html": "",
        "created_at": _rest_time(product.created_at),
        "handle": product.handle,
        "id": product.id,
        "product_type": "",
        "published_at": _rest_time(product.created_at),
        "template_suffix": None,
        "title": product.title,
        "updated_at": _rest_time(product.updated_at),
        "vendor": product.vendor,
        "status": product.status.lower(),
        "published_scope": "web",
        "tags": "",
        "variants": [_variant(state, variant) for variant in variants],
        "options": [],
        "images": [],
        "image": None,
        "media": [],
        "variant_gids": [
            {
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "updated_at": _gid_time(v.updated_at),
            }
            for v in sorted(variants, key=lambda v: v.updated_at, reverse=True)
        ],
        "has_variants_that_requires_components": False,
        "category": None,
    }
