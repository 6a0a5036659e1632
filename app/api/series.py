"""GET /api/products/{id}/series: Amazon, proposed and Shopify prices over time, for charts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, select

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.query import TIMESTAMP_PATTERN, query_args, query_parameter, timestamp, whole_number
from app.clock import utcnow
from app.extensions import db
from app.history.downsample import Point, Series, downsample
from app.ingest.link import shop_product
from app.models import Observation, PriceChange

DEFAULT_SPAN: Final = timedelta(days=30)
MAX_SPAN: Final = timedelta(days=400)
MAX_POINTS: Final = 2000
_SERIES = {
    "type": "object",
    "required": ["points", "complete"],
    "properties": {
        "points": {
            "type": "array",
            "items": {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": {"type": "string"},
            },
            "description": "[ISO 8601 time, decimal price]; each price holds until the next",
        },
        "complete": {"type": "boolean", "description": "every price change is among the points"},
    },
}
SERIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["product_id", "from", "to", "series"],
    "properties": {
        "product_id": {"type": "integer"},
        "from": {"type": "string", "format": "date-time"},
        "to": {"type": "string", "format": "date-time"},
        "series": {
            "type": "object",
            "properties": {"amazon": _SERIES, "proposed": _SERIES, "shopify": _SERIES},
        },
    },
}


@bp.get("/products/<int:product_id>/series")
@operation(
    summary="Price series for a chart: Amazon, PriceBridge's proposal and Shopify's price",
    tags=["products"],
    parameters=[
        query_parameter(
            "from",
            f"RFC 3339 time; default to - 30 days; at most {MAX_SPAN.days} days before to "
            "(an earlier one is moved there: the answer's from says where the window began)",
            {"type": "string", "pattern": TIMESTAMP_PATTERN},
        ),
        query_parameter(
            "to",
            "RFC 3339 time; default now; a to before from is an empty window",
            {"type": "string", "pattern": TIMESTAMP_PATTERN},
        ),
        query_parameter(
            "points",
            f"2..{MAX_POINTS} per series, default 200",
            {"type": "integer", "minimum": 2, "maximum": MAX_POINTS},
        ),
    ],
    responses={200: SERIES_SCHEMA, 401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA},
)
@session_required
def product_series(product_id: int) -> ResponseReturnValue:
    args = query_args({"from", "to", "points"})
    points = whole_number("points", args["points"], 2, MAX_POINTS) if "points" in args else 200
    end = timestamp("to", args["to"]) if "to" in args else utcnow()
    start = timestamp("from", args["from"]) if "from" in args else end - DEFAULT_SPAN
    # The window is bounded by moving its start, not by refusing it: the answer says which
    # window it covers. A window that ends before it starts holds nothing.
    start = max(start, end - MAX_SPAN)
    product = shop_product(current_session().shop.id, product_id)
    if product is None:
        raise ApiError(404, "product_not_found", f"No linked product {product_id} in this shop.")
    amazon = _series(
        select(Observation.observed_at, Observation.price).where(
            Observation.product_id == product.id,
            Observation.price.is_not(None),
            Observation.quarantined.is_(False),
        ),
        Observation.observed_at,
        start,
        end,
    )
    proposed = _series(
        select(PriceChange.created_at, PriceChange.proposed_price).where(
            PriceChange.product_id == product.id
        ),
        PriceChange.created_at,
        start,
        end,
    )
    shopify = _series(
        select(PriceChange.updated_at, PriceChange.confirmed_price).where(
            PriceChange.product_id == product.id,
            PriceChange.state == "pushed",
            PriceChange.confirmed_price.is_not(None),
        ),
        PriceChange.updated_at,
        start,
        end,
    )
    return jsonify(
        product_id=product.id,
        **{"from": start.isoformat(), "to": end.isoformat()},
        series={
            name: _json(downsample(rows, points))
            for name, rows in (("amazon", amazon), ("proposed", proposed), ("shopify", shopify))
        },
    )


def _series(statement: Select[Any], at: Any, start: datetime, end: datetime) -> list[Point]:
    """The rows in [start, end], plus the last one before start (the price holding then);
    nothing when the window ends before it starts."""
    if start > end:
        return []
    before = db.session.execute(statement.where(at < start).order_by(at.desc()).limit(1)).all()
    inside = db.session.execute(statement.where(at >= start, at <= end).order_by(at)).all()
    rows = [(max(moment, start), price) for moment, price in before]
    rows += [(moment, price) for moment, price in inside]
    return [(moment, price) for moment, price in rows if price is not None]


def _json(series: Series) -> dict[str, Any]:
    return {
        "points": [[moment.isoformat(), str(price)] for moment, price in series.points],
        "complete": series.complete,
    }
