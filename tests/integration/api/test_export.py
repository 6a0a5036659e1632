"""CSV downloads: every row of the shop once, streamed; formulas defused; nothing of others."""

from __future__ import annotations

import csv
import io
import time
from decimal import Decimal

from flask.testing import FlaskClient

from app.api import export
from app.extensions import db
from app.models import PriceChange
from tests.integration.api.test_list_queries import add_changes
from tests.integration.factories import installed, make_product, make_shop
from tests.support import session_token

A = "a.myshopify.com"


def download(client: FlaskClient, path: str) -> list[dict[str, str]]:
    headers = {"Authorization": f"Bearer {session_token(A, now=time.time())}"}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_products_export_pages_through_every_product_once(
    client: FlaskClient,
) -> None:
    shop = installed(A, currency="USD")
    rows = [
        make_product(
            shop, title=f"Bottle {n}", amazon_price=Decimal("10.50"), amazon_currency="USD"
        )
        for n in range(7)
    ]
    rows[0].title = '=HYPERLINK("http://x")'
    add_changes(rows[1], 2, last="proposed")
    make_product(make_shop("b.myshopify.com"), title="not ours")
    db.session.commit()
    ids = [r.id for r in rows]
    export.PAGE = 3  # type: ignore[misc]  # several pages
    try:
        body = download(client, "/api/export/products.csv")
    finally:
        export.PAGE = 500  # type: ignore[misc]
    assert [int(r["id"]) for r in body] == ids
    assert body[0]["title"] == '\'=HYPERLINK("http://x")'
    assert body[2]["amazon_price"] == "10.50"
    assert body[1]["change_state"] == "proposed"
    assert list(body[0]) == list(export.PRODUCT_COLUMNS)


def test_price_change_history_export(client: FlaskClient) -> None:
    shop = installed(A, currency="USD")
    product = make_product(shop)
    add_changes(product, 4)
    other = make_product(make_shop("b.myshopify.com"))
    add_changes(other, 2)
    db.session.commit()
    ours = [
        c.id
        for c in db.session.query(PriceChange).filter_by(shop_id=shop.id).order_by(PriceChange.id)
    ]
    asin = product.asin
    body = download(client, "/api/export/price-changes.csv")
    assert [int(r["id"]) for r in body] == ours
    assert {r["asin"] for r in body} == {asin}
    assert body[-1]["state"] == "pushed"


def test_an_empty_shop_downloads_the_header_only(client: FlaskClient) -> None:
    installed(A, currency="USD")
    assert download(client, "/api/export/products.csv") == []
