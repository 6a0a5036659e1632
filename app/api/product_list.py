"""GET /api/products: the index table's rows, searched, filtered and sorted, a page at a time.

Every page costs the same few queries whatever the shop's history or the other shops hold:
the page itself walks an index that starts with shop_id (ix_product_shop_*), and the pricing
summary probes each product's open and newest live change through partial indexes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    text,
    true,
)

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.products_schema import (
    PRODUCT_COLUMNS,
    PRODUCT_LIST_SCHEMA,
    product_rows_json,
    usage_json,
)
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
from app.database import read
from app.ingest.budget import monthly_budget
from app.ingest.policy import current_usage
from app.models import PriceChange, Product, Shop
from app.models.product import AVAILABILITIES, PRODUCT_STATUSES
from app.models.types import UTCDateTime
from app.price_changes.summary import CHANGE_BRIEF_COLUMNS, LIVE, latest_change_id
from app.shopify.shop_tokens import REFRESH_MARGIN

MAX_SEARCH: Final = 100
# Search text: no control characters, and something besides whitespace (which is collapsed).
# The route checks it with `re.search`, as schemathesis and every Python validator read a
# JSON Schema pattern, so the document and the server refuse exactly the same strings.
SEARCH_PATTERN: Final = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
_SEARCH: Final = re.compile(SEARCH_PATTERN)


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
            "search: title or SKU containing the text, or the ASIN (whitespace collapsed)",
            {"type": "string", "minLength": 1, "maxLength": MAX_SEARCH, "pattern": SEARCH_PATTERN},
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
    session = current_session()
    return jsonify(product_page(args, session.verified_shop_id, lambda: session.shop.id))


def product_page(
    args: dict[str, str], shop_id: int, ready_shop_id: Callable[[], int]
) -> dict[str, Any]:
    """One page of the list as GET /api/products answers it (``items``, ``next_cursor``,
    ``usage``) for the query ``args`` (limit, cursor, q, filter, sort, status, availability;
    ApiError 422 for a bad one). ``ready_shop_id`` is called when the shop's row says it is
    not ready (uninstalled, or its offline token due): it answers (raises) or makes the shop
    ready and gives its id, and the page is read again."""
    values: dict[str, Any] = {"limit": page_limit(args.get("limit"), 50) + 1}
    sort = _choice(args, "sort", SORTS, "id")
    view = _choice(args, "filter", FILTERS, "") if "filter" in args else None
    for name, allowed in (("status", PRODUCT_STATUSES), ("availability", AVAILABILITIES)):
        if name in args:
            values[name] = _choice(args, name, allowed, "")
    search = _search(args["q"], values) if "q" in args else None
    column, _ = SORTS[sort]
    after = _after(args["cursor"], sort, column, values) if "cursor" in args else None
    statement = _statement(sort, view, "status" in values, "availability" in values, search, after)
    now = utcnow()
    values.update(shop_id=shop_id, fresh_until=now + REFRESH_MARGIN)
    rows = read(statement, values)
    if not rows or not rows[0].shop_ready:
        # Uninstalled, or its offline token is due: the gate's full check answers (401, 503)
        # or makes the shop ready (a refresh), then the page is read again.
        values["shop_id"] = ready_shop_id()
        rows = read(statement, values)
    shop = rows[0]
    products = [row for row in rows if row.id is not None]  # none: one row of NULLs
    limit = values["limit"] - 1
    items = products[:limit]
    cursor = _cursor(sort, column, items[-1]) if len(products) > limit else None
    return {
        "items": product_rows_json(items),
        "next_cursor": cursor,
        "usage": usage_json(
            current_usage(
                shop.shop_usage_month,
                shop.shop_results_used or 0,
                monthly_budget(shop.shop_monthly_budget),
                now,
            )
        ),
    }


@functools.lru_cache(maxsize=256)
def _statement(
    sort: str,
    view: str | None,
    by_status: bool,
    by_availability: bool,
    search: str | None,
    after: str | None,
) -> Select[Any]:
    """The page's one query for a shape of request; every value is a bound parameter, so
    each shape is built (and compiled, and prepared by psycopg) once per process.

    The shop's row, joined to the page (its LIMIT applies before any change is read) and each
    product's latest change by primary key; rows serialised as they come (no ORM objects).
    The shop's row says whether the session's shop is still ready for the gate (installed,
    offline token not due: `shop_ready`) and carries its budget counters.
    """
    statement: Select[Any] = select(
        *PRODUCT_COLUMNS, latest_change_id(Product.id).label("latest_change_id")
    ).where(Product.shop_id == bindparam("shop_id"))
    if by_status:
        statement = statement.where(Product.status == bindparam("status"))
    if by_availability:
        statement = statement.where(Product.availability == bindparam("availability"))
    if view is not None:
        statement = statement.where(FILTERS[view]())
    if search is not None:
        like = bindparam("title_like", type_=Product.title.type)
        text_ = or_(
            Product.title.ilike(like, escape="\\"), Product.shopify_sku.ilike(like, escape="\\")
        )
        by_asin = or_(text_, Product.asin == bindparam("asin"))
        statement = statement.where(by_asin if search == "title_or_asin" else text_)
    column, descending = SORTS[sort]
    if after is not None:
        statement = statement.where(_after_condition(after, sort, column, descending))
    page = (
        statement.order_by(*_order(sort, column, descending))
        .limit(bindparam("limit"))
        .subquery("page")
    )
    ready = and_(
        Shop.installed_at.is_not(None),
        Shop.uninstalled_at.is_(None),
        Shop.access_token.is_not(None),
        Shop.access_token_expires_at > bindparam("fresh_until", type_=UTCDateTime()),
    )
    changes = page.outerjoin(PriceChange, PriceChange.id == page.c.latest_change_id)
    return (
        select(
            ready.label("shop_ready"),
            Shop.oxylabs_usage_month.label("shop_usage_month"),
            Shop.oxylabs_results_used.label("shop_results_used"),
            Shop.oxylabs_monthly_budget.label("shop_monthly_budget"),
            page,
            *CHANGE_BRIEF_COLUMNS,
        )
        .select_from(Shop.__table__.outerjoin(changes, true()))
        .where(Shop.id == bindparam("shop_id"))
        .order_by(*_order(sort, page.c[column.key], descending, page.c.id))
    )


def _order(sort: str, column: Any, descending: bool, id_column: Any = Product.id) -> list[Any]:
    """ORDER BY for a sort: the column (nulls last), then the id as the tie-break."""
    id_order = id_column.desc() if descending else id_column.asc()
    if sort == "id":
        return [id_order]
    return [column.desc().nulls_last() if descending else column.asc().nulls_last(), id_order]


def _choice(args: dict[str, str], name: str, allowed: Any, default: str) -> str:
    value = args.get(name, default)
    if value not in allowed:
        raise ApiError(422, f"invalid_{name}", f"{name} must be one of {', '.join(allowed)}.")
    return value


def _search(raw: str, values: dict[str, Any]) -> str:
    """Bind the search's values; its shape: "title", or "title_or_asin" (q may be an ASIN)."""
    if len(raw) > MAX_SEARCH or _SEARCH.search(raw) is None:
        raise ApiError(
            422, "invalid_q", f"q is text of 1 to {MAX_SEARCH} characters, no control characters."
        )
    text_ = " ".join(raw.split())
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    values["title_like"] = f"%{escaped}%"
    asin = text_.upper()
    if len(asin) == 10 and asin.isalnum():
        values["asin"] = asin
        return "title_or_asin"
    return "title"


def _cursor(sort: str, column: Any, last: Any) -> str:
    value = getattr(last, column.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    return encode_cursor([sort, value, last.id])


def _after(raw: str, sort: str, column: Any, values: dict[str, Any]) -> str:
    """Bind the cursor's values; its shape: "id", "value" or "null" (past the nulls)."""
    kind: type = int if sort == "id" else str if column is Product.status else datetime
    try:
        name, value, last_id = decode_cursor(raw, (str, kind, int))
    except ApiError:
        name, value, last_id = decode_cursor(raw, (str, type(None), int))
    if name != sort or (column is Product.status and value not in (*PRODUCT_STATUSES, None)):
        raise ApiError(422, "invalid_cursor", "The cursor belongs to another list or order.")
    values["after_id"] = int(last_id)
    if sort == "id":
        return "id"
    if value is None:
        return "null"
    values["after_value"] = value
    return "value"


def _after_condition(after: str, sort: str, column: Any, descending: bool) -> ColumnElement[bool]:
    last_id = bindparam("after_id", type_=Product.id.type)
    if after == "id":
        return Product.id > last_id
    after_id = Product.id < last_id if descending else Product.id > last_id
    if after == "null":  # the nulls, last: only their ids remain to order by
        return and_(column.is_(None), after_id)
    value = bindparam("after_value", type_=column.type)
    beyond = column < value if descending else column > value
    condition: ColumnElement[bool] = or_(beyond, and_(column == value, after_id), column.is_(None))
    return condition
