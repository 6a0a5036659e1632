"""GET /api/price-changes and /api/price-changes/{id}: newest first, cursor pages, filters,
each change with its audited transitions, and another shop's changes never shown."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient

from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.price_changes.propose import on_observation
from tests.integration.factories import make_observation, make_product, make_shop
from tests.support import session_token

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MINE, THEIRS = "mine.myshopify.com", "theirs.myshopify.com"


def _shop(domain: str) -> Shop:
    return make_shop(
        domain,
        installed_at=T0,
        access_token="shpat_x",
        access_token_expires_at=datetime.now(UTC) + timedelta(days=1),
        currency="USD",
    )


def _observe(product: Product, price: str, minutes: int) -> None:
    observation = make_observation(
        product, price=Decimal(price), observed_at=T0 + timedelta(minutes=minutes)
    )
    db.session.commit()
    on_observation(product.id, observation.id)


def _get(client: FlaskClient, path: str, shop: str = MINE) -> tuple[int, Any]:
    token = session_token(shop, now=time.time(), user_id="777")
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.get_json()


def _post(client: FlaskClient, path: str) -> int:
    token = session_token(MINE, now=time.time(), user_id="777")
    return client.post(path, headers={"Authorization": f"Bearer {token}"}).status_code


def _history() -> tuple[list[Product], list[int], int]:
    """Mine: product 0 quoted twice (the first superseded), product 1 once then approved by
    user 777. Theirs: one change. Returns my products, my change ids and theirs."""
    mine, theirs = _shop(MINE), _shop(THEIRS)
    products = [make_product(mine, shopify_price=Decimal("1.00")) for _ in range(2)]
    their_product = make_product(theirs, shopify_price=Decimal("1.00"))
    _observe(products[0], "10.00", 0)
    _observe(products[0], "20.00", 1)
    _observe(products[1], "30.00", 2)
    _observe(their_product, "40.00", 3)
    ids = sorted(c.id for c in db.session.query(PriceChange).filter_by(shop_id=mine.id))
    [their_change] = [c.id for c in db.session.query(PriceChange).filter_by(shop_id=theirs.id)]
    return products, ids, their_change


def test_changes_are_listed_newest_first_with_their_transitions(client: FlaskClient) -> None:
    products, ids, _theirs = _history()
    assert _post(client, f"/api/price-changes/{ids[2]}/approve") == 202

    status, body = _get(client, "/api/price-changes")

    assert status == 200
    assert body["next_cursor"] is None
    assert [item["id"] for item in body["items"]] == ids[::-1]
    approved, proposed, superseded = body["items"]
    assert (approved["state"], approved["product_id"]) == ("approved", products[1].id)
    assert approved["approved_by"] == "777"
    assert [(t["from"], t["to"], t["actor"]) for t in approved["transitions"]] == [
        (None, "proposed", "auto"),
        ("proposed", "approved", "777"),
    ]
    assert (proposed["state"], proposed["proposed_price"]) == ("proposed", "26.00")
    assert [(t["from"], t["to"]) for t in superseded["transitions"]] == [
        (None, "proposed"),
        ("proposed", "superseded"),
    ]
    at = [datetime.fromisoformat(t["at"]) for t in superseded["transitions"]]
    assert at == sorted(at)
    assert all(moment.tzinfo is not None for moment in at)


def test_cursor_pages_cover_every_change_once(client: FlaskClient) -> None:
    _products, ids, _theirs = _history()
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        path = "/api/price-changes?limit=1" + (f"&cursor={cursor}" if cursor else "")
        status, body = _get(client, path)
        assert status == 200
        assert len(body["items"]) == 1
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    assert pages == len(ids)


def test_filters_by_state_and_product(client: FlaskClient) -> None:
    products, ids, _theirs = _history()
    status, body = _get(client, "/api/price-changes?state=superseded")
    assert status == 200
    assert [item["id"] for item in body["items"]] == [ids[0]]
    status, body = _get(client, f"/api/price-changes?product_id={products[0].id}&state=proposed")
    assert [item["id"] for item in body["items"]] == [ids[1]]
    status, body = _get(client, f"/api/price-changes?product_id={products[1].id}&limit=5")
    assert [item["id"] for item in body["items"]] == [ids[2]]
    status, body = _get(client, "/api/price-changes?state=pushed")
    assert (status, body["items"], body["next_cursor"]) == (200, [], None)


def test_bad_parameters_are_named(client: FlaskClient) -> None:
    _history()
    for query, code in (
        ("state=done", "invalid_state"),
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("product_id=abc", "invalid_product_id"),
        ("cursor=not-a-cursor", "invalid_cursor"),
        ("sort=asc", "unknown_parameters"),
    ):
        status, body = _get(client, f"/api/price-changes?{query}")
        assert status == 422, query
        assert body["error"]["code"] == code, query


def test_one_change_with_its_transitions(client: FlaskClient) -> None:
    _products, ids, _theirs = _history()
    status, body = _get(client, f"/api/price-changes/{ids[0]}")
    assert status == 200
    assert body["id"] == ids[0]
    assert body["state"] == "superseded"
    assert [t["to"] for t in body["transitions"]] == ["proposed", "superseded"]
    assert body["transitions"][1]["detail"] == {"reason": "newer_quote"}


def test_another_shops_changes_are_not_found(client: FlaskClient) -> None:
    _products, ids, theirs = _history()
    status, body = _get(client, f"/api/price-changes/{theirs}")
    assert status == 404
    assert body["error"]["code"] == "change_not_found"
    assert _get(client, "/api/price-changes/999999999")[0] == 404
    status, body = _get(client, "/api/price-changes")
    assert theirs not in [item["id"] for item in body["items"]]
    status, body = _get(client, "/api/price-changes", shop=THEIRS)
    assert [item["id"] for item in body["items"]] == [theirs]
    assert _get(client, f"/api/price-changes/{ids[0]}", shop=THEIRS)[0] == 404
