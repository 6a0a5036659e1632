"""PATCH /api/shop/settings reprices a small shop in the request and a big one in a job."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.broker import current_broker
from app.extensions import db
from app.models import PriceChange, PriceChangeEvent, Product, Shop
from app.price_changes import settings
from app.price_changes.propose import on_observation
from tests.integration.factories import make_observation, make_product, make_shop
from tests.support import session_token

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DOMAIN = "big.myshopify.com"
AMAZON = ("10.00", "19.99", "30.00", "40.00", "50.00")
AT_30 = [Decimal(p) for p in ("13.00", "25.99", "39.00", "52.00", "65.00")]
AT_50_99 = [Decimal(p) for p in ("15.99", "29.99", "45.99", "60.99", "75.99")]


def _shop_with_products() -> tuple[Shop, list[Product]]:
    shop = make_shop(
        DOMAIN,
        installed_at=T0,
        access_token="shpat_x",
        access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        currency="USD",
    )
    products = []
    for price in AMAZON:
        product = make_product(shop, shopify_price=Decimal("1.00"))
        observation = make_observation(product, price=Decimal(price), observed_at=T0)
        db.session.commit()
        on_observation(product.id, observation.id)
        products.append(product)
    return shop, products


def _patch(client: FlaskClient, body: dict[str, Any]) -> tuple[int, Any]:
    token = session_token(DOMAIN, now=time.time(), user_id="777")
    response = client.patch(
        "/api/shop/settings", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.get_json()


def _open_prices(products: list[Product]) -> list[Decimal]:
    db.session.expire_all()
    prices = []
    for product in products:
        change = db.session.scalars(
            select(PriceChange)
            .where(PriceChange.product_id == product.id, PriceChange.state == "proposed")
            .order_by(PriceChange.id.desc())
        ).first()
        assert change is not None
        prices.append(change.proposed_price)
    return prices


def test_a_shop_within_the_limit_is_repriced_in_the_request(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _shop, products = _shop_with_products()
    monkeypatch.setattr(settings, "INLINE_REPRICE_LIMIT", len(products))
    status, body = _patch(client, {"markup_percent": "50", "rounding": "99"})
    assert status == 200
    assert body["repricing"] == "done"
    assert len(body["changes"]) == len(products)
    assert _open_prices(products) == AT_50_99
    assert current_broker().queue("default").fetch_job(f"reprice-shop-{_shop.id}") is None


def test_a_bigger_shop_commits_the_rules_and_a_job_reprices_it_in_chunks(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, products = _shop_with_products()
    monkeypatch.setattr(settings, "INLINE_REPRICE_LIMIT", len(products) - 1)
    monkeypatch.setattr(settings, "REPRICE_CHUNK", 2)

    status, body = _patch(client, {"markup_percent": "50", "rounding": "99"})

    assert status == 202
    assert body["repricing"] == "queued"
    assert body["settings"]["markup_percent"] == "50.00"
    assert "changes" not in body
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).rounding == "99"  # committed before the answer
    assert _open_prices(products) == AT_30  # nothing repriced in the request
    job = current_broker().queue("default").fetch_job(f"reprice-shop-{shop.id}")
    assert job is not None
    assert job.args == (shop.id, "777")

    assert job.perform() == len(products)

    assert _open_prices(products) == AT_50_99
    created = db.session.scalars(
        select(PriceChangeEvent.at).where(
            PriceChangeEvent.actor == "777", PriceChangeEvent.to_state == "proposed"
        )
    ).all()
    assert len(created) == len(products)
    assert len(set(created)) == 3  # 5 products, 2 per transaction: 3 chunks


def test_rules_saved_again_while_the_job_runs_are_applied_to_every_product(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, products = _shop_with_products()
    real = settings._reprice_chunks
    rounds: list[int] = []

    def saved_again_during_first_round(shop_id: int, *, actor: str, chunk: int) -> int:
        made = real(shop_id, actor=actor, chunk=chunk)
        rounds.append(made)
        if len(rounds) == 1:  # the merchant saves new rules while the job is running
            row = db.session.get(Shop, shop_id)
            assert row is not None
            row.markup_percent, row.rounding = Decimal("50"), "99"
            db.session.commit()
        return made

    monkeypatch.setattr(settings, "_reprice_chunks", saved_again_during_first_round)
    shop.markup_percent = Decimal("40")
    db.session.commit()

    assert settings.reprice_shop(shop.id, actor="777", chunk=2) == 2 * len(products)
    assert len(rounds) == 2
    assert _open_prices(products) == AT_50_99
