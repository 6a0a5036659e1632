"""/api/push: approve and push many price changes at once (by product ids, or by state)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.body import json_body
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.pricing_schema import BULK_PUSH_REQUEST, BULK_PUSH_SCHEMA, BULK_STATES
from app.api.query import BIGINT_MAX
from app.clock import utcnow
from app.price_changes import approval
from app.price_changes.ledger import change_json

_ERRORS = {401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA, 422: ERROR_SCHEMA}


@bp.post("/push")
@operation(
    summary=(
        "Approve and push many changes: by product ids (each id approved or skipped with its"
        " reason), or every proposed one"
    ),
    tags=["pricing"],
    request=BULK_PUSH_REQUEST,
    responses={202: BULK_PUSH_SCHEMA, **_ERRORS},
)
@session_required
def push_many() -> ResponseReturnValue:
    body = json_body()
    ids, states = _bulk_selection(body)
    session = current_session()
    if ids is not None:
        approved, skipped = approval.push_products(
            session.shop, ids, actor=session.actor, now=utcnow()
        )
    else:
        approved, skipped = approval.approve_many(
            session.shop, actor=session.actor, now=utcnow(), states=states
        )
    return jsonify(
        approved=[change_json(c) for c in approved],
        skipped=[skip.as_json() for skip in skipped],
    ), 202


def _bulk_selection(body: dict[str, Any]) -> tuple[list[int] | None, tuple[str, ...]]:
    unknown = sorted(set(body) - {"product_ids", "filter"})
    if unknown or ("product_ids" in body) == ("filter" in body):
        raise ApiError(422, "invalid_selection", 'Send either "product_ids" or "filter".')
    if "product_ids" in body:
        ids = body["product_ids"]
        valid = isinstance(ids, list) and 0 < len(ids) <= approval.MAX_BULK
        if not valid or not all(_is_row_id(i) for i in ids):
            raise ApiError(
                422, "invalid_selection", f"product_ids must be 1..5000 ids from 1 to {BIGINT_MAX}."
            )
        return [int(i) for i in ids], ("proposed", "failed")
    selection = body["filter"]
    states = selection.get("state", ["proposed"]) if isinstance(selection, dict) else None
    if (
        not isinstance(selection, dict)
        or set(selection) - {"state"}
        or not isinstance(states, list)
        or not states
        # Each item a string first: a list or an object is unhashable in the set below.
        or not all(isinstance(state, str) for state in states)
        or not set(states) <= set(BULK_STATES)
    ):
        raise ApiError(422, "invalid_selection", 'filter.state must list "proposed"/"failed".')
    return None, tuple(states)


def _is_row_id(value: object) -> bool:
    """1..2^63-1; JSON Schema counts 776825.0 as an integer, and so does this check."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= BIGINT_MAX
