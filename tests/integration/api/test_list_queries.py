"""The list and detail routes cost a bounded number of queries, whatever the history's length
and the other shops' size; the list's search, filters, sorts and /api/summary."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, PriceChangeEvent, Product, Shop
from tests.integration.factories import auth, installed, make_observation, make_product, make_shop
from tests.support import session_token

A = "a.myshopify.com"


_counter = [0]


def add_changes(product: Product, count: int, *, last: str = "pushed") -> None:
    for n in range(count):
        _counter[0] += 1
        state = last if n == count - 1 else ("superseded" if n % 2 else "pushed")
        db.session.add(
            PriceChange(
                shop_id=product.shop_id,
                product_id=product.id,
                state=state,
                proposed_price=Decimal("20.00") + n,
                currency="USD",
                idempotency_key=f"k{_counter[0]}",
            )
        )


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)
    rollbacks: int = 0

    @property
    def count(self) -> int:
        return len(self.sql)


@contextmanager
def counted(app: Flask) -> Iterator[Statements]:
    seen = Statements()

    def on_execute(*args: Any) -> None:
        seen.sql.append(str(args[2]))

    def on_rollback(*_: Any) -> None:
        seen.rollbacks += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "rollback", on_rollback)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "rollback", on_rollback)


def _grow(product_ids: list[int], other_id: int) -> None:
    other = db.session.get(Shop, other_id)
    assert other is not None
    for product_id in product_ids:
        product = db.session.get(Product, product_id)
        assert product is not None
        add_changes(product, 40)
        for k in range(5):
            make_observation(product, observed_at=utcnow() - timedelta(hours=k))
    for _ in range(300):
        make_product(other)
    db.session.commit()


def test_list_and_detail_queries_do_not_grow_with_history_or_other_shops(
    app: Flask, client: FlaskClient
) -> None:
    other = make_shop("other.myshopify.com")
    for _ in range(50):
        make_product(other)
    shop = installed(A, currency="USD")
    products = [make_product(shop, title=f"Bottle {n}") for n in range(60)]
    del shop
    for product in products:
        add_changes(product, 2, last="proposed")
    db.session.commit()
    ids, other_id, first = [p.id for p in products], other.id, products[0].id
    db.session.remove()
    # App Bridge sends one token for its minute; the first request verifies it.
    token = {"Authorization": f"Bearer {session_token(A, now=time.time(), jti='minute-1')}"}

    def measure() -> tuple[int, int, int, int]:
        with counted(app) as listing:
            assert client.get("/api/products?limit=50", headers=token).status_code == 200
        with counted(app) as detail:
            assert client.get(f"/api/products/{first}", headers=token).status_code == 200
        _counter[0] += 1  # another jti: a token this process has not verified yet
        jti = f"first-use-{_counter[0]}"
        fresh = {"Authorization": f"Bearer {session_token(A, now=time.time(), jti=jti)}"}
        with counted(app) as first_use:
            assert client.get("/api/products?limit=50", headers=fresh).status_code == 200
        rollbacks = listing.rollbacks + detail.rollbacks + first_use.rollbacks
        return listing.count, detail.count, first_use.count, rollbacks

    client.get("/api/products?limit=50", headers=token)  # the token's first request
    small = measure()
    _grow(ids, other_id)
    db.session.remove()
    grown = measure()
    assert grown == small
    listing, detail, first_use, rollbacks = small
    # The page with its shop row and latest changes, in one query; the gate none.
    assert listing == 1, listing
    # A token's first use: its shop, then the page.
    assert first_use == 2, first_use
    assert detail <= 4, detail
    assert rollbacks == 0  # a read ends in COMMIT: psycopg keeps its prepared statements


def test_the_latest_change_query_probes_the_live_index(app: Flask) -> None:
    shop = installed(A, currency="USD")
    product = make_product(shop)
    add_changes(product, 3)
    db.session.commit()
    plan = "\n".join(
        row[0]
        for row in db.session.execute(
            text(
                "EXPLAIN SELECT max(id) FROM price_change"
                " WHERE product_id = :p AND state <> 'superseded'"
            ),
            {"p": product.id},
        )
    )
    assert "ix_price_change_live" in plan or "Seq Scan" in plan  # tiny tables may seq scan


def _page_ids(client: FlaskClient, query: str) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        response = client.get(f"/api/products?{query}&limit=3{suffix}", headers=auth(A))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def test_search_filters_and_sorts_page_through_every_row_once(
    app: Flask, client: FlaskClient
) -> None:
    shop = installed(A, currency="USD")
    now = utcnow()
    rows = []
    for n in range(8):
        rows.append(
            make_product(
                shop,
                title=f"{'Steel' if n % 2 else 'Glass'} bottle {n}",
                shopify_sku=f"BTL_{n}-{'S' if n % 2 else 'G'}",
                last_polled_at=None if n == 3 else now - timedelta(minutes=n * 7 % 5),
                price_changed_at=None if n % 3 == 0 else now - timedelta(hours=n),
                manual_override_at=now if n == 5 else None,
                price_hold_reason="below_floor" if n == 6 else None,
            )
        )
    add_changes(rows[1], 2, last="proposed")
    add_changes(rows[2], 2, last="failed")
    add_changes(rows[4], 1, last="held")
    make_product(make_shop("other.myshopify.com"), title="Steel bottle elsewhere")
    db.session.commit()
    ids = [r.id for r in rows]

    assert sorted(_page_ids(client, "sort=id")) == ids
    for sort in ("last_checked", "-last_checked", "price_changed", "-price_changed", "status"):
        paged = _page_ids(client, f"sort={sort}")
        assert sorted(paged) == ids, sort  # every row once
        column = "last_polled_at" if "checked" in sort else "price_changed_at"
        if sort != "status":
            values = [getattr(db.session.get(Product, i), column) for i in paged]
            present = [v for v in values if v is not None]
            assert present == sorted(present, reverse=sort.startswith("-")), sort
            assert values[len(present) :] == [None] * (len(values) - len(present))  # nulls last
    steel = _page_ids(client, "q=steel")
    assert sorted(steel) == [ids[n] for n in range(8) if n % 2]
    assert _page_ids(client, f"q={rows[0].asin.lower()}") == [ids[0]]
    assert _page_ids(client, "q=100%25") == []  # % is text, not a wildcard
    # The variant's SKU as Shopify gave it at link time, whole or in part, any case.
    assert _page_ids(client, "q=btl_3-s") == [ids[3]]
    assert sorted(_page_ids(client, "q=-g")) == [ids[n] for n in range(8) if n % 2 == 0]
    assert _page_ids(client, "q=BTL%5F") == ids
    assert _page_ids(client, "q=BTL%5F3%5FS") == []  # _ is text, not a one-character wildcard
    # Whitespace of any kind is collapsed; characters that are not controls are searched as
    # typed (a zero-width space, which str.isprintable() refused, finds nothing here).
    assert sorted(_page_ids(client, "q=%C2%A0steel%E2%80%83")) == sorted(steel)
    assert _page_ids(client, "q=st%E2%80%8Beel") == []
    assert _page_ids(client, "filter=needs_approval") == [ids[1]]
    assert _page_ids(client, "filter=failed") == [ids[2]]
    assert sorted(_page_ids(client, "filter=held")) == [ids[4], ids[6]]
    assert _page_ids(client, "filter=overridden") == [ids[5]]
    assert _page_ids(client, "q=steel&filter=needs_approval&sort=-last_checked") == [ids[1]]


def test_a_cursor_from_another_sort_is_refused(client: FlaskClient) -> None:
    shop = installed(A, currency="USD")
    for _ in range(3):
        make_product(shop, last_polled_at=utcnow())
    db.session.commit()
    cursor = client.get("/api/products?limit=1", headers=auth(A)).get_json()["next_cursor"]
    response = client.get(f"/api/products?sort=last_checked&cursor={cursor}", headers=auth(A))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_summary_counts_the_shop_only(client: FlaskClient) -> None:
    shop = installed(A, currency="USD")
    now = utcnow()
    products = [make_product(shop, last_polled_at=now - timedelta(minutes=n)) for n in range(4)]
    products[3].status = "paused"
    products[2].manual_override_at = now
    add_changes(products[0], 2, last="proposed")
    add_changes(products[1], 1, last="held")
    db.session.flush()
    pushed = db.session.query(PriceChange).filter_by(product_id=products[0].id).first()
    assert pushed is not None
    for at in (now, now - timedelta(days=2)):
        db.session.add(
            PriceChangeEvent(
                shop_id=shop.id, price_change_id=pushed.id, to_state="pushed", actor="t", at=at
            )
        )
    make_product(make_shop("other.myshopify.com"), status="paused")
    db.session.commit()
    body = client.get("/api/summary", headers=auth(A)).get_json()
    assert body["products"] == 4
    assert body["by_status"]["active"] == 3
    assert body["by_status"]["paused"] == 1
    assert body["views"] == {"failed": 0, "held": 1, "needs_approval": 1, "overridden": 1}
    assert body["changes"] == {"proposed": 1, "approved": 0, "held": 1}
    assert body["pushes_today"] == 1
    assert body["last_poll_at"].startswith(now.isoformat()[:16])
    assert set(body["usage"]) >= {"used", "budget"}


@pytest.mark.parametrize("query", ["x=1", "limit=5"])
def test_summary_takes_no_parameters(client: FlaskClient, query: str) -> None:
    installed(A, currency="USD")
    response = client.get(f"/api/summary?{query}", headers=auth(A))
    assert response.status_code == 422


def test_a_list_item_is_the_product_as_its_detail_shows_it(client: FlaskClient) -> None:
    """The list serialises rows, the detail a Product: every field the same, pricing too."""
    shop = installed(A, currency="USD")
    now = utcnow()
    plain = make_product(shop, title="Plain")
    busy = make_product(
        shop,
        title="Busy",
        last_polled_at=now,
        price_changed_at=now - timedelta(hours=1),
        manual_override_at=now,
        manual_override_price=Decimal("21.50"),
        price_hold_reason="below_floor",
        price_hold_message="Below your margin floor",
        markup_override_percent=Decimal("12.50"),
        inventory_set_aside={"locations": {}, "key": "k"},
        shopify_price=Decimal("19.99"),
    )
    add_changes(busy, 3, last="held")
    db.session.flush()
    held = db.session.query(PriceChange).filter_by(product_id=busy.id, state="held").one()
    held.rule, held.held_reason = {"held_message": "Below your floor"}, "below_floor"
    db.session.commit()
    listed = {
        item["id"]: item for item in client.get("/api/products", headers=auth(A)).json["items"]
    }
    for product in (plain, busy):
        detail = client.get(f"/api/products/{product.id}", headers=auth(A)).json
        del detail["history"], detail["history_next_cursor"]
        assert listed[product.id] == detail
    assert listed[busy.id]["pricing"]["change"]["state"] == "held"
    assert listed[busy.id]["pricing"]["change"]["held_message"] == "Below your floor"
    assert listed[plain.id]["pricing"]["change"] is None
