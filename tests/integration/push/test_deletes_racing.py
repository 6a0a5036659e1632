"""Periodic jobs survive rows deleted under them (issue 14: unlinking a product while the
reconciliation ran crashed it with StaleDataError, and links made meanwhile were not read)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete

from app.extensions import db
from app.models import Product
from app.push import reconcile
from tests.integration.conftest import LiveShopify, linked_shop


def test_a_product_unlinked_while_its_price_is_read_back_is_skipped(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, products = linked_shop(shopify, products=3)
    for product in products:
        store = shopify.admin.store.shop(shop.domain)
        store.variants[int(product.shopify_variant_gid.rsplit("/", 1)[1])].price = Decimal("7.77")
    gone = products[1].id
    real = reconcile.read_variant_prices

    def unlink_then_read(*args: Any, **kwargs: Any) -> dict[str, Decimal]:
        # The merchant unlinks a product in another request while Shopify answers.
        with db.engine.begin() as connection:
            connection.execute(delete(Product).where(Product.id == gone))
        return real(*args, **kwargs)

    monkeypatch.setattr(reconcile, "read_variant_prices", unlink_then_read)
    assert reconcile.reconcile_shop(shop.id) == 2  # the two still linked drifted
    db.session.expire_all()
    assert db.session.get(Product, gone) is None
    for product in (products[0], products[2]):
        row = db.session.get(Product, product.id)
        assert row is not None
        assert row.shopify_price == Decimal("7.77")
