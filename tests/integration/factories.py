"""Small row builders for integration tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.extensions import db
from app.models import Observation, Product, Shop

_counter = itertools.count(1)


def make_shop(domain: str | None = None, **fields: Any) -> Shop:
    shop = Shop(domain=domain or f"shop-{next(_counter)}.myshopify.com", **fields)
    db.session.add(shop)
    db.session.flush()
    return shop


def make_product(shop: Shop, **fields: Any) -> Product:
    number = next(_counter)
    values: dict[str, Any] = {
        "asin": f"B0{number:08d}",
        "marketplace": "com",
        "shopify_product_gid": f"gid://shopify/Product/{number}",
        "shopify_variant_gid": f"gid://shopify/ProductVariant/{number}",
    }
    values.update(fields)
    product = Product(shop_id=shop.id, **values)
    db.session.add(product)
    db.session.flush()
    return product


def make_observation(product: Product, **fields: Any) -> Observation:
    values: dict[str, Any] = {
        "shop_id": product.shop_id,
        "product_id": product.id,
        "asin": product.asin,
        "marketplace": product.marketplace,
        "observed_at": datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
        "price": Decimal("19.99"),
        "currency": "USD",
        "availability": "in_stock",
    }
    values.update(fields)
    observation = Observation(**values)
    db.session.add(observation)
    db.session.flush()
    return observation
