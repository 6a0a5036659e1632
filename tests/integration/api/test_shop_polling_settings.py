"""The polling settings of /api/shop/settings: the shop's polling tier and its monthly
Oxylabs budget, read, changed with the pricing rules, refused in plain words, and used."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import current_settings, db
from app.ingest.budget import usage_of
from app.models import Product, Shop
from tests.integration.factories import make_product, make_shop
from tests.support import session_token

DOMAIN = "polling.myshopify.com"


def _shop(**fields: Any) -> Shop:
    shop = make_shop(
        DOMAIN,
        installed_at=datetime(2026, 11, 29, tzinfo=UTC),
        access_token="shpat_x",
        access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        currency="USD",
        **fields,
    )
    db.session.commit()
    return shop


def _call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    token = session_token(DOMAIN, now=time.time(), user_id="777")
    response = client.open(
        path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
    )
    return response.status_code, response.get_json()


def test_the_settings_show_the_tier_and_the_budget_in_force(
    client: FlaskClient, app: Flask
) -> None:
    _shop()
    status, body = _call(client, "GET", "/api/shop/settings")
    assert status == 200
    default = current_settings().oxylabs_monthly_budget
    assert body["polling_tier"] == "normal"
    assert body["oxylabs_monthly_budget"] == default
    assert body["oxylabs_monthly_budget_default"] == default
    assert body["oxylabs_monthly_budget_is_default"] is True


def test_a_budget_of_its_own_is_stored_used_and_reset_to_the_default(
    client: FlaskClient, app: Flask
) -> None:
    shop = _shop()
    status, body = _call(
        client, "PATCH", "/api/shop/settings", json={"oxylabs_monthly_budget": 2500}
    )
    assert status == 200, body
    assert body["settings"]["oxylabs_monthly_budget"] == 2500
    assert body["settings"]["oxylabs_monthly_budget_is_default"] is False
    db.session.expire_all()
    stored = db.session.get(Shop, shop.id)
    assert stored is not None
    assert stored.oxylabs_monthly_budget == 2500
    assert usage_of(stored, utcnow()).budget == 2500  # what polling reserves against

    status, body = _call(
        client, "PATCH", "/api/shop/settings", json={"oxylabs_monthly_budget": None}
    )
    assert status == 200
    assert body["settings"]["oxylabs_monthly_budget_is_default"] is True
    default = current_settings().oxylabs_monthly_budget
    assert body["settings"]["oxylabs_monthly_budget"] == default


def test_a_new_tier_moves_the_products_on_the_shops_tier_and_no_other(
    client: FlaskClient,
) -> None:
    shop = _shop()
    later = utcnow() + timedelta(hours=5)
    following = make_product(shop, polling_tier="normal", next_poll_at=later)
    own = make_product(shop, polling_tier="cold", next_poll_at=later)
    db.session.commit()
    before = utcnow()
    status, body = _call(client, "PATCH", "/api/shop/settings", json={"polling_tier": "hot"})
    assert status == 200, body
    assert body["settings"]["polling_tier"] == "hot"
    db.session.expire_all()
    tiers = dict(db.session.execute(select(Product.id, Product.polling_tier)).tuples().all())
    assert tiers == {following.id: "hot", own.id: "cold"}
    moved = db.session.get(Product, following.id)
    kept = db.session.get(Product, own.id)
    assert moved is not None
    assert kept is not None
    # Hot polls every 15 minutes: the five hours' wait is brought forward to at most that.
    assert before + timedelta(minutes=15) <= moved.next_poll_at <= utcnow() + timedelta(minutes=15)
    assert kept.next_poll_at == later


def test_preview_shows_the_polling_settings_and_applies_nothing(client: FlaskClient) -> None:
    shop = _shop()
    status, body = _call(
        client,
        "PATCH",
        "/api/shop/settings?preview=true",
        json={"polling_tier": "cold", "oxylabs_monthly_budget": 10},
    )
    assert status == 200, body
    db.session.expire_all()
    stored = db.session.get(Shop, shop.id)
    assert stored is not None
    assert (stored.polling_tier, stored.oxylabs_monthly_budget) == ("normal", None)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"polling_tier": "warm"}, "polling_tier", "must be one of hot, normal, cold, got warm"),
        ({"polling_tier": None}, "polling_tier", "got null"),
        ({"oxylabs_monthly_budget": -1}, "oxylabs_monthly_budget", "between 0 and"),
        ({"oxylabs_monthly_budget": 100_000_001}, "oxylabs_monthly_budget", "between 0 and"),
        ({"oxylabs_monthly_budget": 12.5}, "oxylabs_monthly_budget", "whole number"),
        ({"oxylabs_monthly_budget": "500"}, "oxylabs_monthly_budget", "whole number"),
        ({"oxylabs_monthly_budget": True}, "oxylabs_monthly_budget", "got true"),
        ({"oxylabs_monthly_budget": [5]}, "oxylabs_monthly_budget", "got a list"),
    ],
)
def test_bad_polling_settings_are_422_naming_the_field_and_change_nothing(
    client: FlaskClient, body: dict[str, Any], field: str, words: str
) -> None:
    shop = _shop()
    # A valid pricing rule beside the bad value: nothing of the body is applied.
    status, answer = _call(
        client, "PATCH", "/api/shop/settings", json={"markup_percent": "55", **body}
    )
    assert status == 422
    assert answer["error"]["code"] == "invalid_setting"
    assert answer["error"]["details"] == {"field": field}
    assert words in answer["error"]["message"]
    db.session.expire_all()
    stored = db.session.get(Shop, shop.id)
    assert stored is not None
    assert (stored.polling_tier, stored.oxylabs_monthly_budget) == ("normal", None)
    assert str(stored.markup_percent) == "30.00"
