"""GET /api/summary: the dashboard's header counts in three queries, whatever the history."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.product_list import FILTERS
from app.api.products_schema import USAGE_SCHEMA, usage_json
from app.api.query import query_args
from app.clock import utcnow
from app.extensions import db
from app.ingest.budget import usage_of
from app.models import PriceChange, PriceChangeEvent, Product, Shop
from app.models.price_change import OPEN_STATES
from app.models.product import PRODUCT_STATUSES

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["products", "by_status", "views", "changes", "last_poll_at", "usage"],
    "properties": {
        "products": {"type": "integer"},
        "by_status": _COUNTS,
        "views": {**_COUNTS, "description": "products in each list filter"},
        "changes": {**_COUNTS, "description": "open price changes by state"},
        "last_poll_at": {"type": ["string", "null"], "format": "date-time"},
        "pushes_today": {"type": "integer", "description": "since 00:00 UTC"},
        "usage": USAGE_SCHEMA,
    },
}


@bp.get("/summary")
@operation(
    summary="Counts by state, last poll, budget used and pushes today",
    tags=["products"],
    responses={200: SUMMARY_SCHEMA, 401: ERROR_SCHEMA, 422: ERROR_SCHEMA},
)
@session_required
def get_summary() -> ResponseReturnValue:
    query_args(set())
    return jsonify(shop_summary(current_session().shop, utcnow()))


def shop_summary(shop: Shop, now: datetime) -> dict[str, Any]:
    """The summary GET /api/summary answers (SUMMARY_SCHEMA), as of ``now`` (aware UTC)."""
    product_counts = db.session.execute(
        select(
            func.count(),
            func.max(Product.last_polled_at),
            *(func.count().filter(Product.status == status) for status in PRODUCT_STATUSES),
            *(func.count().filter(make()) for make in FILTERS.values()),
        ).where(Product.shop_id == shop.id)
    ).one()
    total, last_poll, *rest = product_counts
    by_status = dict(zip(PRODUCT_STATUSES, rest[: len(PRODUCT_STATUSES)], strict=True))
    views = dict(zip(FILTERS, rest[len(PRODUCT_STATUSES) :], strict=True))
    changes: dict[str, int] = {
        state: count
        for state, count in db.session.execute(
            select(PriceChange.state, func.count())
            .where(PriceChange.shop_id == shop.id, PriceChange.state.in_(OPEN_STATES))
            .group_by(PriceChange.state)
        )
    }
    midnight = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    pushes = db.session.scalar(
        select(func.count()).where(
            PriceChangeEvent.shop_id == shop.id,
            PriceChangeEvent.to_state == "pushed",
            PriceChangeEvent.at >= midnight,
        )
    )
    return {
        "products": total,
        "by_status": by_status,
        "views": views,
        "changes": {state: int(changes.get(state, 0)) for state in OPEN_STATES},
        "last_poll_at": last_poll.isoformat() if last_poll else None,
        "pushes_today": int(pushes or 0),
        "usage": usage_json(usage_of(shop, now)),
    }
