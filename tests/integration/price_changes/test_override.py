"""products/update: our own echo is recognised, a price set by hand marks an override."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask

from app.broker import current_broker
from app.extensions import db
from app.models import Product, Shop
from app.price_changes.override import echo_key
from app.shopify.webhook_handlers import on_product_updated
from tests.integration.conftest import T0
from tests.integration.factories import make_product, make_shop


def _payload(product: Product, price: str, minutes: int = 5) -> dict[str, Any]:
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    return {
        "id": 1,
        "variants": [
            {"admin_graphql_api_id": product.shopify_variant_gid, "price": price, "updated_at": at}
        ],
    }


def _linked() -> tuple[Shop, Product]:
    shop = make_shop(installed_at=T0, currency="USD")
    product = make_product(shop, shopify_price=Decimal("20.00"), shopify_price_at=T0)
    db.session.commit()
    return shop, product


def test_a_price_set_by_hand_marks_the_product_overridden(app: Flask) -> None:
    shop, product = _linked()
    on_product_updated(shop, _payload(product, "17.50"))
    db.session.commit()
    db.session.refresh(product)
    assert product.manual_override_at == T0 + timedelta(minutes=5)
    assert product.manual_override_price == Decimal("17.50")
    assert product.shopify_price == Decimal("17.50")


def test_the_echo_of_our_push_is_not_an_override(app: Flask) -> None:
    shop, product = _linked()
    current_broker().redis.set(echo_key(shop.id, product.shopify_variant_gid), "25.99")
    on_product_updated(shop, _payload(product, "25.99"))
    db.session.commit()
    db.session.refresh(product)
    assert product.manual_override_at is None
    assert product.shopify_price == Decimal("25.99")


def test_an_unrelated_edit_with_the_same_price_is_not_an_override(app: Flask) -> None:
    shop, product = _linked()
    on_product_updated(shop, _payload(product, "20.00"))
    db.session.commit()
    db.session.refresh(product)
    assert product.manual_override_at is None


def test_a_late_delivery_changes_nothing(app: Flask) -> None:
    shop, product = _linked()
    on_product_updated(shop, _payload(product, "11.00", minutes=-5))
    db.session.commit()
    db.session.refresh(product)
    assert product.manual_override_at is None
    assert product.shopify_price == Decimal("20.00")
