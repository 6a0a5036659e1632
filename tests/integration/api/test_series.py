"""GET /api/products/{id}/series: three price series over a range, bounded, shop-scoped."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange
from tests.integration.factories import installed, make_observation, make_product, make_shop
from tests.support import session_token

A = "a.myshopify.com"


def get(client: FlaskClient, path: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {session_token(A, now=time.time())}"}
    response = client.get(path, headers=headers)
    return response.status_code, response.get_json()


def test_series_carry_the_price_holding_at_the_start_and_every_step(client: FlaskClient) -> None:
    shop = installed(A, currency="USD")
    product = make_product(shop)
    now = utcnow()
    for hours, price in [(100, "8.00"), (40, "10.00"), (30, "10.00"), (20, "12.50"), (1, "9.99")]:
        make_observation(product, observed_at=now - timedelta(hours=hours), price=Decimal(price))
    db.session.add(
        PriceChange(
            shop_id=shop.id,
            product_id=product.id,
            state="pushed",
            proposed_price=Decimal("16.25"),
            confirmed_price=Decimal("16.25"),
            currency="USD",
            idempotency_key="s1",
            created_at=now - timedelta(hours=19),
            updated_at=now - timedelta(hours=18),
        )
    )
    db.session.commit()
    start = (now - timedelta(hours=50)).isoformat().replace("+00:00", "Z")
    status, body = get(client, f"/api/products/{product.id}/series?from={start}")
    assert status == 200, body
    amazon = body["series"]["amazon"]
    assert amazon["complete"]
    assert [p for _, p in amazon["points"]] == ["8.00", "10.00", "12.50", "9.99"]
    assert amazon["points"][0][0].startswith((now - timedelta(hours=50)).isoformat()[:16])
    assert [p for _, p in body["series"]["proposed"]["points"]] == ["16.25"]
    assert [p for _, p in body["series"]["shopify"]["points"]] == ["16.25"]


def test_points_bounds_each_series(client: FlaskClient) -> None:
    shop = installed(A, currency="USD")
    product = make_product(shop)
    now = utcnow()
    for n in range(120):
        make_observation(product, observed_at=now - timedelta(minutes=n), price=Decimal(10 + n % 2))
    db.session.commit()
    status, body = get(client, f"/api/products/{product.id}/series?points=10")
    assert status == 200
    assert len(body["series"]["amazon"]["points"]) <= 10
    assert body["series"]["amazon"]["complete"] is False


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("points=1", "invalid_points"),
        ("points=2001", "invalid_points"),
        ("from=yesterday", "invalid_from"),
        ("from=2026-11-01T00:00:00", "invalid_from"),  # no offset
        ("from=2026-02-29T00:00:00Z", "invalid_from"),  # not a leap year
        ("to=2026-04-31T00:00:00Z", "invalid_to"),
        ("to=2026-11-01 00:00:00Z", "invalid_to"),  # fromisoformat reads it; RFC 3339 does not
        ("from=1969-12-31T23:59:59Z", "invalid_from"),
        ("from=2026-11-01T00:00:00.1234567Z", "invalid_from"),
        ("since=1", "unknown_parameters"),
    ],
)
def test_bad_series_queries_are_422(client: FlaskClient, query: str, code: str) -> None:
    shop = installed(A, currency="USD")
    product = make_product(shop)
    db.session.commit()
    status, body = get(client, f"/api/products/{product.id}/series?{query}")
    assert status == 422
    assert body["error"]["code"] == code


def test_a_window_that_ends_before_it_starts_holds_nothing(client: FlaskClient) -> None:
    shop = installed(A)
    product = make_product(shop)
    make_observation(product, observed_at=utcnow() - timedelta(days=2), price=Decimal("8.00"))
    db.session.commit()
    query = "from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00%2B01:00"
    status, body = get(client, f"/api/products/{product.id}/series?{query}")
    assert status == 200, body
    assert (body["from"], body["to"]) == ("2026-11-02T00:00:00+00:00", "2026-11-01T00:00:00+01:00")
    assert all(series == {"points": [], "complete": True} for series in body["series"].values())


def test_a_window_longer_than_400_days_starts_400_days_before_its_end(
    client: FlaskClient,
) -> None:
    shop = installed(A)
    product = make_product(shop)
    db.session.commit()
    query = "from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00.5-05:00"
    status, body = get(client, f"/api/products/{product.id}/series?{query}")
    assert status == 200, body
    assert (body["from"], body["to"]) == (
        "2024-11-27T00:00:00.500000-05:00",
        "2026-01-01T00:00:00.500000-05:00",
    )


def test_another_shops_product_is_404(client: FlaskClient) -> None:
    installed(A, currency="USD")
    theirs = make_product(make_shop("b.myshopify.com"))
    db.session.commit()
    status, body = get(client, f"/api/products/{theirs.id}/series")
    assert status == 404
    assert body["error"]["code"] == "product_not_found"
