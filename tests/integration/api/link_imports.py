"""Helpers of the CSV import tests: a shop whose variants the live Admin GraphQL simulator
holds, and the requests the Link products page sends (upload, commit, status, list)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.broker import current_broker
from app.extensions import db
from app.models import Product, Shop
from tests.integration.conftest import TOKEN, LiveShopify
from tests.integration.factories import make_shop
from tests.integration.shopify.test_webhooks import InProcessAppWorker
from tests.support import session_token

HEADER = "Variant ID;SKU;Amazon URL or ASIN;Marketplace;Markup %"


def shop_with_variants(shopify: LiveShopify, products: int, variants: int = 1) -> Shop:
    shop = make_shop(
        currency="USD",
        installed_at=datetime.now(UTC),
        access_token=TOKEN,
        access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        refresh_token="shprt_import_test",
    )
    db.session.commit()
    shopify.seed(shop.domain, products, variants)
    return shop


def auth(shop: Shop) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(shop.domain, now=time.time())}"}


BOUNDARY = "pricebridge-test-boundary"


def multipart(data: bytes, name: str) -> bytes:
    """The form a browser sends (built here: werkzeug's test client spools a big one to a
    temporary file it never closes)."""
    return (
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def upload(app: Flask, shop: Shop, data: bytes, name: str = "links.csv") -> Any:
    return app.test_client().post(
        "/api/products/imports",
        data=multipart(data, name),
        headers=auth(shop),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def commit(app: Flask, shop: Shop, import_id: int) -> Any:
    return app.test_client().post(f"/api/products/imports/{import_id}/commit", headers=auth(shop))


def status(app: Flask, shop: Shop, import_id: int) -> dict[str, Any]:
    answer = app.test_client().get(f"/api/products/imports/{import_id}", headers=auth(shop))
    assert answer.status_code == 200, answer.get_json()
    body: dict[str, Any] = answer.get_json()
    return body


def run_jobs(app: Flask) -> None:
    broker = current_broker()
    InProcessAppWorker([broker.queue("default")], connection=broker.redis, app=app).work(burst=True)
    db.session.expire_all()


def gid(number: int) -> str:
    return f"gid://shopify/ProductVariant/{number}"


def number(variant: dict[str, Any]) -> str:
    return str(variant["id"]).rsplit("/", 1)[1]


def products_of(shop: Shop) -> list[Product]:
    db.session.expire_all()
    return list(db.session.scalars(select(Product).where(Product.shop_id == shop.id)))
