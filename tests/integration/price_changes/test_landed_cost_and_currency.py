"""Issue 13, kinds 5 and 8, end to end: a recorded Oxylabs result, the change it proposes,
the settings that steer it, and the amount written to Shopify."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.ingest.normalize import normalize_document
from app.ingest.record import observation_row
from app.models import Observation, PriceChange, Product, Shop
from app.price_changes.propose import on_observation
from app.price_changes.quote import latest_observation
from app.push.stock import stock_action_needed
from app.shopify.graphql.operations import VariantPrice
from tests.integration.factories import make_product, make_shop
from tests.support import session_token
from tests.unit.ingest.data_truth import (
    BR_NAO_DISPONIVEL,
    CA_SHIPPING,
    JP_YEN,
    UK_PARTIAL_PARSE,
    case,
)

T0 = datetime(2025, 6, 23, 18, 0, tzinfo=UTC)


def _shop(domain: str, **fields: Any) -> Shop:
    return make_shop(
        domain,
        installed_at=T0,
        access_token="shpat_x",
        access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        **fields,
    )


def _record(product: Product, name: str) -> PriceChange:
    (reading,) = normalize_document(case(name))
    row = observation_row(product, reading, None)
    db.session.add(row)
    db.session.commit()
    on_observation(product.id, row.id)
    change = db.session.scalars(
        select(PriceChange)
        .where(PriceChange.product_id == product.id)
        .order_by(PriceChange.id.desc())
    ).first()
    assert change is not None
    return change


def _ca_product() -> Product:
    shop = _shop(
        "maple.myshopify.com",
        currency="CAD",
        markup_percent=Decimal(10),
        min_margin_percent=Decimal(5),
    )
    return make_product(shop, asin="B07Z75ZRSL", marketplace="ca", shopify_price=Decimal(40))


def test_the_shipping_price_is_recorded_and_priced(app: Flask) -> None:
    product = _ca_product()
    change = _record(product, CA_SHIPPING)
    observation = db.session.get(Observation, change.observation_id)
    assert observation is not None
    assert observation.shipping_price == Decimal("9.99")
    assert change.proposed_price == Decimal("49.48")  # 44.98 landed * 1.10, rounded up
    assert change.state != "held"
    breakdown = change.rule["breakdown"]
    assert (breakdown["landed_cost"], breakdown["margin_floor"]) == ("44.98", "47.23")
    assert change.rule["cost_basis"] == "landed_cost"


def test_pricing_from_the_item_alone_holds_the_38_49_quote(app: Flask) -> None:
    product = _ca_product()
    shop = db.session.get(Shop, product.shop_id)
    assert shop is not None
    shop.cost_basis = "item_price"
    change = _record(product, CA_SHIPPING)
    assert change.proposed_price == Decimal("38.49")
    assert (change.state, change.held_reason) == ("held", "below_margin_floor")


def test_a_yen_listing_proposes_whole_yen_and_writes_it_so(app: Flask) -> None:
    shop = _shop("sakura.myshopify.com", currency="JPY", markup_percent=Decimal("12.5"))
    product = make_product(
        shop, asin="B0C1234567", marketplace="co.jp", shopify_price=Decimal(1000)
    )
    change = _record(product, JP_YEN)
    assert change.proposed_price == Decimal(1238)
    entry = VariantPrice(product.shopify_variant_gid, change.proposed_price, currency="JPY")
    assert entry.to_input()["price"] == "1238"


def _patch(client: FlaskClient, domain: str, body: dict[str, Any]) -> tuple[int, Any]:
    token = session_token(domain, now=time.time(), user_id="7")
    response = client.patch(
        "/api/shop/settings", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.get_json()


def test_the_cost_basis_is_a_shop_setting(app: Flask, client: FlaskClient) -> None:
    _shop("basis.myshopify.com", currency="CAD")
    db.session.commit()
    status, body = _patch(client, "basis.myshopify.com", {"cost_basis": "item_price"})
    assert status == 200, body
    assert body["settings"]["cost_basis"] == "item_price"
    status, body = _patch(client, "basis.myshopify.com", {"cost_basis": "freight"})
    assert status == 422
    assert "cost_basis" in body["error"]["message"]


def test_charm_endings_are_refused_for_a_yen_shop(app: Flask, client: FlaskClient) -> None:
    _shop("yen.myshopify.com", currency="JPY")
    db.session.commit()
    status, body = _patch(client, "yen.myshopify.com", {"rounding": "99"})
    assert status == 422
    assert "JPY has none" in body["error"]["message"]
    shop = db.session.scalar(select(Shop).where(Shop.domain == "yen.myshopify.com"))
    assert shop is not None
    db.session.refresh(shop)
    assert shop.rounding == "none"  # nothing half-written
    assert _patch(client, "yen.myshopify.com", {"rounding": "whole"})[0] == 200


def test_a_partial_parse_takes_no_stock_action(app: Flask) -> None:
    """Issue 13, kind 9: with the zero-inventory action on, a parser failure zeroes nothing;
    Amazon's own "Não disponível." does."""
    shop = _shop("stock.myshopify.com", currency="GBP", out_of_stock_action="zero_inventory")
    uk = make_product(
        shop,
        asin="B08Y6Z944Q",
        marketplace="co.uk",
        shopify_inventory_item_gid="gid://shopify/InventoryItem/1",
    )
    br = make_product(
        shop,
        asin="B08CWG5K2D",
        marketplace="com.br",
        shopify_inventory_item_gid="gid://shopify/InventoryItem/2",
    )
    for product, name in ((uk, UK_PARTIAL_PARSE), (br, BR_NAO_DISPONIVEL)):
        (reading,) = normalize_document(case(name))
        db.session.add(observation_row(product, reading, None))
    db.session.commit()
    uk_latest, br_latest = latest_observation(uk.id), latest_observation(br.id)
    assert uk_latest is not None
    assert br_latest is not None
    assert (uk_latest.availability, br_latest.availability) == ("unknown", "unavailable")
    assert not stock_action_needed(shop, uk, uk_latest.availability)
    assert stock_action_needed(shop, br, br_latest.availability)
