"""CSV downloads: the shop's products (latest observation and prices) and its price changes.

Streamed a page of 500 rows at a time (keyset on id), so a shop of any size downloads in
bounded memory. Cells a spreadsheet would run as a formula (starting with = + - @, tab or
carriage return) are prefixed with an apostrophe (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final

from flask import Response, stream_with_context
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.query import query_args
from app.extensions import db
from app.models import PriceChange, Product
from app.price_changes.summary import pricing_summaries

PAGE: Final = 500
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_CSV = {"type": "string", "x-media-type": "text/csv"}

PRODUCT_COLUMNS: Final = (
    "id", "asin", "marketplace", "amazon_url", "shopify_product_gid", "shopify_variant_gid",
    "title", "status", "availability", "observed_at", "amazon_price", "amazon_currency",
    "shopify_price", "proposed_price", "change_state", "manual_override", "price_hold",
)  # fmt: skip
CHANGE_COLUMNS: Final = (
    "id", "product_id", "asin", "marketplace", "state", "previous_price", "proposed_price",
    "compare_at_price", "confirmed_price", "currency", "held_reason", "error", "approved_by",
    "created_at", "updated_at",
)  # fmt: skip


def cell(value: Any) -> str:
    """One CSV cell: money as its decimal text, times ISO 8601, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _stream(header: Sequence[str], pages: Iterator[list[list[Any]]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for rows in pages:
        writer.writerows([[cell(value) for value in row] for row in rows])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _pages(
    model: Any, shop_id: int, to_rows: Callable[[list[Any]], list[list[Any]]]
) -> Iterator[list[list[Any]]]:
    after = 0
    while True:
        batch = list(
            db.session.scalars(
                select(model)
                .where(model.shop_id == shop_id, model.id > after)
                .order_by(model.id)
                .limit(PAGE)
            )
        )
        if not batch:
            return
        after = batch[-1].id
        yield to_rows(batch)
        db.session.expunge_all()  # memory stays one page, whatever the shop's size


def _product_rows(products: list[Product]) -> list[list[Any]]:
    summaries = pricing_summaries(products)
    rows = []
    for p in products:
        pricing = summaries[p.id]
        rows.append(
            [
                p.id,
                p.asin,
                p.marketplace,
                f"https://www.amazon.{p.marketplace}/dp/{p.asin}",
                p.shopify_product_gid,
                p.shopify_variant_gid,
                p.title,
                p.status,
                p.availability,
                p.observed_at,
                p.amazon_price,
                p.amazon_currency,
                p.shopify_price,
                pricing["proposed_price"],
                pricing["change_state"],
                (pricing["manual_override"] or {}).get("price"),
                (pricing["price_hold"] or {}).get("reason"),
            ]
        )
    return rows


def _change_rows(changes: list[PriceChange]) -> list[list[Any]]:
    listings: dict[int, tuple[str, str]] = {
        product_id: (asin, marketplace)
        for product_id, asin, marketplace in db.session.execute(
            select(Product.id, Product.asin, Product.marketplace).where(
                Product.id.in_({change.product_id for change in changes})
            )
        )
    }
    rows = []
    for c in changes:
        asin, marketplace = listings.get(c.product_id, ("", ""))
        rows.append(
            [
                c.id,
                c.product_id,
                asin,
                marketplace,
                c.state,
                c.previous_price,
                c.proposed_price,
                c.compare_at_price,
                c.confirmed_price,
                c.currency,
                c.held_reason,
                c.error,
                c.approved_by,
                c.created_at,
                c.updated_at,
            ]
        )
    return rows


def _download(name: str, body: Iterator[str]) -> Response:
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/export/products.csv")
@operation(
    summary="Download the shop's products with their latest observation and prices (CSV)",
    tags=["export"],
    responses={200: _CSV, 401: ERROR_SCHEMA, 422: ERROR_SCHEMA},
)
@session_required
def export_products() -> ResponseReturnValue:
    query_args(set())
    shop_id = current_session().shop.id
    return _download(
        "products.csv", _stream(PRODUCT_COLUMNS, _pages(Product, shop_id, _product_rows))
    )


@bp.get("/export/price-changes.csv")
@operation(
    summary="Download the shop's price-change history (CSV)",
    tags=["export"],
    responses={200: _CSV, 401: ERROR_SCHEMA, 422: ERROR_SCHEMA},
)
@session_required
def export_price_changes() -> ResponseReturnValue:
    query_args(set())
    shop_id = current_session().shop.id
    return _download(
        "price-changes.csv", _stream(CHANGE_COLUMNS, _pages(PriceChange, shop_id, _change_rows))
    )
