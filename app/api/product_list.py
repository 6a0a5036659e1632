"""GET /api/products: the index table's rows, searched, filtered and sorted, a page at a time.

Every page costs the same few queries whatever the shop's history or the other shops hold:
the page itself walks an index that starts with shop_id (ix_product_shop_*), and the pricing
summary probes each product's open and newest live change through partial indexes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, text

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.products_schema import PRODUCT_LIST_SCHEMA, products_json, usage_json
from app.api.query import (
    CURSOR_PARAMETER,
    LIMIT_PARAMETER,
    decode_cursor,
    encode_cursor,
    page_limit,
    query_args,
    query_parameter,
)
from app.clock import utcnow
from app.extensions import db
from app.ingest.budget import usage_of
from app.models import PriceChange, Product
from app.models.product import AVAILABILITIES, PRODUCT_STATUSES
from app.price_changes.summary import LIVE

MAX_SEARCH: Final = 100


def _change_in(state: str) -> ColumnElement[bool]:
    # At most one open change per product (uq_price_change_open_per_product): one probe.
    return exists().where(
        PriceChange.product_id == Product.id, text(f"price_change.state = '{state}'")
    )


def _newest_live_failed() -> ColumnElement[bool]:
    newest = (
        select(func.max(PriceChange.id))
        .where(PriceChange.product_id == Product.id, text(LIVE))
        .correlate(Product)
        .scalar_subquery()
    )
    return exists().where(PriceChange.id == newest, PriceChange.state == "failed")


FILTERS: Final[dict[str, Callable[[], ColumnElement[bool]]]] = {
    "needs_approval": lambda: _change_in("proposed"),
    "held": lambda: or_(Product.price_hold_reason.is_not(None), _change_in("held")),
    "failed": _newest_live_failed,
    "overridden": lambda: Product.manual_override_at.is_not(None),
}
# sort name -> (column, descending). Nulls (never checked, never changed) come last.
SORTS: Final[dict[str, tuple[Any, bool]]] = {
    "id": (Product.id, False),
    "last_checked": (Product.last_polled_at, False),
    "-last_checked": (Product.last_polled_at, True),
    "price_changed": (Product.price_changed_at, False),
    "-price_changed": (Product.price_changed_at, True),
    "status": (Product.status, False),
}


@bp.get("/products")
@operation(
    summary="The shop's linked products with their latest observation and pricing",
    tags=["products"],
    responses={200: PRODUCT_LIST_SCHEMA, 401: ERROR_SCHEMA, 422: ERROR_SCHEMA},
    parameters=[
        LIMIT_PARAMETER,
        CURSOR_PARAMETER,
        query_parameter(
            "q",
            "search: title or SKU containing the text, or the ASIN",
            {"type": "string", "maxLength": MAX_SEARCH},
        ),
        query_parameter("filter", "one view", {"type": "string", "enum": sorted(FILTERS)}),
        query_parameter("sort", "order, default id", {"type": "string", "enum": list(SORTS)}),
        query_parameter("status", "filter", {"type": "string", "enum": PRODUCT_STATUSES}),
        query_parameter("availability", "filter", {"type": "string", "enum": AVAILABILITIES}),
    ],
)
@session_required
def list_products() -> ResponseReturnValue:
    args = query_args({"limit", "cursor", "q", "filter", "sort", "status", "availability"})
    limit = page_limit(args.get("limit"), 50)
    shop = current_session().shop
    sort = _choice(args, "sort", SORTS, "id")
    statement: Select[tuple[Product]] = select(Product).where(Product.shop_id == shop.id)
    statement = _filtered(statement, args)
    column, descending = SORTS[sort]
    if "cursor" in args:
        statement = statement.where(_after(args["cursor"], sort, column, descending))
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    id_order = Product.id.desc() if descending else Product.id.asc()
    ordered = statement.order_by(id_order) if sort == "id" else statement.order_by(order, id_order)
    rows = list(db.session.scalars(ordered.limit(limit + 1)))
    page = rows[:limit]
    cursor = _cursor(sort, column, page[-1]) if len(rows) > limit else None
    return jsonify(
        items=products_json(page), next_cursor=cursor, usage=usage_json(usage_of(shop, utcnow()))
    )


def _choice(args: dict[str, str], name: str, allowed: Any, default: str) -> str:
    value = args.get(name, default)
    if value not in allowed:
        raise ApiError(422, f"invalid_{name}", f"{name} must be one of {', '.join(allowed)}.")
    return value


def _filtered(statement: Select[tuple[Product]], args: dict[str, str]) -> Select[tuple[Product]]:
    for name, allowed in (("status", PRODUCT_STATUSES), ("availability", AVAILABILITIES)):
        if name in args:
            statement = statement.where(getattr(Product, name) == _choice(args, name, allowed, ""))
    if "filter" in args:
        statement = statement.where(FILTERS[_choice(args, "filter", FILTERS, "")]())
    if "q" in args:
        statement = statement.where(_search(args["q"]))
    return statement


def _search(raw: str) -> ColumnElement[bool]:
    text_ = " ".join(raw.split())
    if not text_ or len(text_) > MAX_SEARCH or not text_.isprintable():
        raise ApiError(422, "invalid_q", f"q is text of 1 to {MAX_SEARCH} characters.")
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    asin = text_.upper()
    by_asin = Product.asin == asin if len(asin) == 10 and asin.isalnum() else false()
    pattern = f"%{escaped}%"
    return or_(
        Product.title.ilike(pattern, escape="\\"),
        Product.shopify_sku.ilike(pattern, escape="\\"),
        by_asin,
    )


def _cursor(sort: str, column: Any, last: Product) -> str:
    value = getattr(last, column.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    return encode_cursor([sort, value, last.id])


def _after(raw: str, sort: str, column: Any, descending: bool) -> ColumnElement[bool]:
    kind: type = int if sort == "id" else str if column is Product.status else datetime
    try:
        name, value, last_id = decode_cursor(raw, (str, kind, int))
    except ApiError:
        name, value, last_id = decode_cursor(raw, (str, type(None), int))
    if name != sort or (column is Product.status and value not in (*PRODUCT_STATUSES, None)):
        raise ApiError(422, "invalid_cursor", "The cursor belongs to another list or order.")
    if sort == "id":
        return Product.id > int(last_id)
    after_id = Product.id < last_id if descending else Product.id > last_id
    if value is None:  # the nulls, last: only their ids remain to order by
        return and_(column.is_(None), after_id)
    beyond = column < value if descending else column > value
    condition: ColumnElement[bool] = or_(beyond, and_(column == value, after_id), column.is_(None))
    return condition
