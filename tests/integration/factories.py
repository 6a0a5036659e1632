"""Small row builders for integration tests."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.clock import utcnow
from app.extensions import db
from app.models import Observation, Product, Shop
from tests.support import session_token

_counter = itertools.count(1)


def make_shop(domain: str | None = None, **fields: Any) -> Shop:
    shop = Shop(domain=domain or f"shop-{next(_counter)}.myshopify.com", **fields)
    db.session.add(shop)
    db.session.flush()
    return shop


def installed(domain: str, **fields: Any) -> Shop:
    """An installed shop, committed, whose expiring offline access token is fresh, so the
    session-token gate calls no one; ``fields`` set any other column."""
    now = utcnow()
    values: dict[str, Any] = {
        "installed_at": now,
        "access_token": "shpat_x",
        "access_token_expires_at": now + timedelta(days=1),
        "refresh_token": "shprt_x",
        "refresh_token_expires_at": now + timedelta(days=30),
    }
    shop = make_shop(domain, **{**values, **fields})
    db.session.commit()
    return shop


def auth(domain: str) -> dict[str, str]:
    """Headers of an embedded page's request: a session token for ``domain`` made now."""
    return {"Authorization": f"Bearer {session_token(domain, now=time.time())}"}


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
