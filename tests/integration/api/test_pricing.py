"""Pricing routes: settings with preview, product overrides, approve/reject, push, isolation."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.broker import current_broker
from app.extensions import db
from app.models import PriceChange, PriceChangeEvent, Product, Shop
from app.price_changes.propose import on_observation
from app.price_changes.summary import pricing_summary
from tests.integration.factories import make_observation, make_product, make_shop
from tests.support import session_token

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _shop(domain: str = "a.myshopify.com", **fields: Any) -> Shop:
    return make_shop(
        domain,
        installed_at=T0,
        access_token="shpat_x",
        access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        currency="USD",
        **fields,
    )


def _priced(shop: Shop, price: str = "19.99", shopify: str = "20.00") -> Product:
    product = make_product(shop, shopify_price=Decimal(shopify))
    observation = make_observation(product, price=Decimal(price), observed_at=T0)
    db.session.commit()
    on_observation(product.id, observation.id)
    return product


def _call(
    client: FlaskClient, method: str, path: str, shop: str = "a.myshopify.com", **kwargs: Any
) -> tuple[int, Any]:
    token = session_token(shop, now=time.time(), user_id="777")
    response = client.open(
        path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
    )
    return response.status_code, response.get_json()


def _open_change(product: Product) -> PriceChange:
    return db.session.scalars(
        select(PriceChange)
        .where(PriceChange.product_id == product.id)
        .order_by(PriceChange.id.desc())
        .limit(1)
    ).one()


def test_settings_read_and_preview_applies_nothing(client: FlaskClient) -> None:
    shop = _shop()
    product = _priced(shop)
    status, body = _call(client, "GET", "/api/shop/settings")
    assert status == 200
    assert body["markup_percent"] == "30.00"
    status, body = _call(
        client, "PATCH", "/api/shop/settings?preview=true", json={"markup_percent": "50"}
    )
    assert status == 200
    assert body["preview"] is True
    [row] = body["changes"]
    assert row["product_id"] == product.id
    assert (row["before"]["proposed_price"], row["after"]["proposed_price"]) == ("25.99", "29.99")
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).markup_percent == Decimal("30.00")
    assert _open_change(product).proposed_price == Decimal("25.99")


def test_applying_settings_reprices_every_product_at_once(client: FlaskClient) -> None:
    shop = _shop()
    products = [_priced(shop, price) for price in ("10.00", "19.99", "30.00")]
    status, body = _call(
        client, "PATCH", "/api/shop/settings", json={"markup_percent": "50", "rounding": "99"}
    )
    assert status == 200
    assert body["settings"]["rounding"] == "99"
    db.session.expire_all()
    prices = [_open_change(p).proposed_price for p in products]
    assert prices == [Decimal("15.99"), Decimal("29.99"), Decimal("45.99")]
    events = db.session.scalars(
        select(PriceChangeEvent).where(PriceChangeEvent.actor == "777")
    ).all()
    assert {e.to_state for e in events} == {"superseded", "proposed"}


def test_invalid_settings_name_the_field(client: FlaskClient) -> None:
    _shop()
    for body, field in (
        ({"markup_percent": "lots"}, "markup_percent"),
        ({"rounding": "97"}, "rounding"),
        ({"markup_percent": "-5"}, "markup_percent"),
        ({"colour": "red"}, "colour"),
        ({"out_of_stock_action": "explode"}, "out_of_stock_action"),
    ):
        status, answer = _call(client, "PATCH", "/api/shop/settings", json=body)
        assert status == 422, body
        assert answer["error"]["details"]["field"] == field


def test_product_override_and_pause(client: FlaskClient) -> None:
    shop = _shop()
    product = _priced(shop)
    status, body = _call(
        client, "PATCH", f"/api/products/{product.id}", json={"markup_override_percent": "100"}
    )
    assert status == 200
    assert body["pricing"]["proposed_price"] == "39.98"
    status, body = _call(client, "PATCH", f"/api/products/{product.id}", json={"paused": True})
    assert status == 200
    assert body["pricing"]["change"]["held_reason"] == "product_paused"
    assert body["pricing"]["paused"] is True
    status, body = _call(client, "PATCH", f"/api/products/{product.id}", json={"paused": "no"})
    assert status == 422


def test_update_shopify_approves_and_enqueues_the_push(client: FlaskClient) -> None:
    shop = _shop()
    product = _priced(shop)
    status, body = _call(client, "POST", f"/api/products/{product.id}/push")
    assert status == 202
    assert body["state"] == "approved"
    assert body["approved_by"] == "777"
    assert current_broker().queue("push").fetch_job(f"push-{shop.id}") is not None


def test_a_held_change_says_why_it_cannot_be_pushed(client: FlaskClient) -> None:
    shop = _shop(markup_percent=Decimal("1.00"))
    product = _priced(shop)
    status, body = _call(client, "POST", f"/api/products/{product.id}/push")
    assert status == 409
    assert body["error"]["code"] == "change_held"
    assert "margin floor" in body["error"]["message"]


def test_nothing_to_push_when_shopify_has_the_price(client: FlaskClient) -> None:
    product = _priced(_shop(), shopify="25.99")
    status, body = _call(client, "POST", f"/api/products/{product.id}/push")
    assert (status, body["error"]["code"]) == (409, "in_sync")
    assert body["error"]["message"] == "Shopify already has this product's price (25.99 USD)."


def test_approve_reject_and_a_second_decision_is_refused(client: FlaskClient) -> None:
    shop = _shop()
    first, second = _priced(shop), _priced(shop)
    change = _open_change(first)
    status, body = _call(client, "POST", f"/api/price-changes/{change.id}/reject")
    assert (status, body["state"], body["rejected_by"]) == (200, "rejected", "777")
    status, body = _call(client, "POST", f"/api/price-changes/{change.id}/approve")
    assert (status, body["error"]["code"]) == (409, "already_rejected")
    other = _open_change(second)
    status, body = _call(client, "POST", f"/api/price-changes/{other.id}/approve")
    assert (status, body["state"]) == (202, "approved")


def test_bulk_push_by_ids_and_by_filter(client: FlaskClient) -> None:
    shop = _shop()
    products = [_priced(shop, price) for price in ("10.00", "11.00", "12.00")]
    status, body = _call(client, "POST", "/api/push", json={"product_ids": [products[0].id]})
    assert status == 202
    assert [c["product_id"] for c in body["approved"]] == [products[0].id]
    status, body = _call(client, "POST", "/api/push", json={"filter": {"state": ["proposed"]}})
    assert sorted(c["product_id"] for c in body["approved"]) == [p.id for p in products[1:]]
    status, body = _call(client, "POST", "/api/push", json={"product_ids": [], "filter": {}})
    assert status == 422


def test_another_shops_rows_are_not_found(client: FlaskClient) -> None:
    _shop("a.myshopify.com")
    theirs = _priced(_shop("b.myshopify.com"))
    change = _open_change(theirs)
    for method, path in (
        ("POST", f"/api/products/{theirs.id}/push"),
        ("PATCH", f"/api/products/{theirs.id}"),
        ("POST", f"/api/price-changes/{change.id}/approve"),
        ("POST", f"/api/price-changes/{change.id}/reject"),
        ("DELETE", f"/api/products/{theirs.id}/manual-override"),
    ):
        status, _ = _call(client, method, path, json={})
        assert status == 404, path
    status, body = _call(client, "POST", "/api/push", json={"product_ids": [theirs.id]})
    assert body["approved"] == []
    status, body = _call(client, "PATCH", "/api/shop/settings", json={"markup_percent": "90"})
    db.session.expire_all()
    assert _open_change(theirs).state == "proposed"
    assert _open_change(theirs).proposed_price == Decimal("25.99")


def test_clearing_a_manual_override_reprices(client: FlaskClient) -> None:
    shop = _shop()
    product = _priced(shop)
    product.manual_override_at = T0 + timedelta(hours=1)
    product.manual_override_price = Decimal("22.00")
    db.session.commit()
    status, body = _call(client, "PATCH", f"/api/products/{product.id}", json={})
    assert body["pricing"]["change"]["held_reason"] == "manual_override"
    status, body = _call(client, "DELETE", f"/api/products/{product.id}/manual-override")
    assert status == 200
    assert body["pricing"]["manual_override"] is None
    assert body["pricing"]["change_state"] == "proposed"


def test_pricing_summary_carries_proposed_shopify_price_and_state(app: Flask) -> None:
    product = _priced(_shop())
    summary = pricing_summary([product.id, 999_999])
    assert set(summary) == {product.id}
    assert summary[product.id]["proposed_price"] == "25.99"
    assert summary[product.id]["shopify_price"] == "20.00"
    assert summary[product.id]["change_state"] == "proposed"
