"""/api/price-changes: the shop's price changes, newest first, each with its audit trail;
approve (a failed one: retry) and reject one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.pricing_schema import (
    CHANGE_LIST_SCHEMA,
    CHANGE_SCHEMA,
    CHANGE_WITH_TRANSITIONS_SCHEMA,
)
from app.api.query import (
    BIGINT_MAX,
    CURSOR_PARAMETER,
    LIMIT_PARAMETER,
    decode_cursor,
    encode_cursor,
    page_limit,
    query_args,
    query_parameter,
    whole_number,
)
from app.clock import utcnow
from app.models.price_change import CHANGE_STATES
from app.price_changes import approval
from app.price_changes.approval import ApprovalError
from app.price_changes.history import changes_json, get_change, list_changes
from app.price_changes.ledger import change_json

DEFAULT_LIMIT = 50
_ALLOWED = frozenset({"limit", "cursor", "state", "product_id"})
_ERRORS = {401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA}
_DECISION_ERRORS = {**_ERRORS, 409: ERROR_SCHEMA}
_CHANGE = {"name": "change_id", "in": "path", "required": True, "schema": {"type": "integer"}}


_PARAMETERS = [
    LIMIT_PARAMETER,
    CURSOR_PARAMETER,
    query_parameter(
        "state", "only changes in this state", {"type": "string", "enum": list(CHANGE_STATES)}
    ),
    query_parameter(
        "product_id",
        "only this product's changes",
        {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
    ),
]


def _before_id(raw: str) -> int:
    tag, last_id = decode_cursor(raw, (str, int))
    if tag != "pc":
        raise ApiError(422, "invalid_cursor", "The cursor is not one this API gave out.")
    return int(last_id)


@dataclass(frozen=True)
class _Page:
    limit: int
    before_id: int | None
    state: str | None
    product_id: int | None


def _page() -> _Page:
    args = query_args(_ALLOWED)
    state = args.get("state")
    if state is not None and state not in CHANGE_STATES:
        raise ApiError(422, "invalid_state", f"state must be one of {', '.join(CHANGE_STATES)}.")
    product = args.get("product_id")
    return _Page(
        limit=page_limit(args.get("limit"), DEFAULT_LIMIT),
        before_id=_before_id(args["cursor"]) if "cursor" in args else None,
        state=state,
        product_id=None if product is None else whole_number("product_id", product, 1, BIGINT_MAX),
    )


@bp.get("/price-changes")
@operation(
    summary="The shop's price changes, newest first, each with its transitions",
    tags=["pricing"],
    parameters=_PARAMETERS,
    responses={200: CHANGE_LIST_SCHEMA, **_ERRORS},
)
@session_required
def list_price_changes() -> ResponseReturnValue:
    wanted = _page()
    rows = list_changes(
        current_session().shop.id,
        limit=wanted.limit + 1,
        before_id=wanted.before_id,
        state=wanted.state,
        product_id=wanted.product_id,
    )
    page = rows[: wanted.limit]
    cursor = encode_cursor(["pc", page[-1].id]) if len(rows) > wanted.limit else None
    return jsonify(items=changes_json(page), next_cursor=cursor)


@bp.get("/price-changes/<int:change_id>")
@operation(
    summary="One price change with its transitions (from, to, actor, at)",
    tags=["pricing"],
    parameters=[
        {"name": "change_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ],
    responses={200: CHANGE_WITH_TRANSITIONS_SCHEMA, **_ERRORS},
)
@session_required
def get_price_change(change_id: int) -> ResponseReturnValue:
    change = get_change(current_session().shop.id, change_id)
    if change is None:
        raise ApiError(404, "change_not_found", f"No price change {change_id} in this shop.")
    return jsonify(changes_json([change])[0])


def refused(error: ApprovalError, product_id: int | None = None) -> ApiError:
    """A refused approval or rejection as a 409 with the change as it stands; a manual
    override's also names the route that clears it (the message names the page's button)."""
    details = {"change": change_json(error.change)} if error.change is not None else None
    if error.change is not None:
        product_id = error.change.product_id
    if error.code == "manual_override" and product_id is not None:
        path = f"/api/products/{product_id}/manual-override"
        details = {**(details or {}), "clear_with": {"method": "DELETE", "path": path}}
    return ApiError(409, error.code, str(error), details)


@bp.post("/price-changes/<int:change_id>/approve")
@operation(
    summary="Approve a change (a failed one: retry it); its push is enqueued",
    tags=["pricing"],
    parameters=[_CHANGE],
    responses={202: CHANGE_SCHEMA, **_DECISION_ERRORS},
)
@session_required
def approve_change(change_id: int) -> ResponseReturnValue:
    session = current_session()
    change = _change_or_404(change_id)
    try:
        approval.approve(session.shop.id, change, actor=session.actor, now=utcnow())
    except ApprovalError as error:
        raise refused(error) from None
    return jsonify(change_json(change)), 202


@bp.post("/price-changes/<int:change_id>/reject")
@operation(
    summary="Reject a change: it will not be pushed",
    tags=["pricing"],
    parameters=[_CHANGE],
    responses={200: CHANGE_SCHEMA, **_DECISION_ERRORS},
)
@session_required
def reject_change(change_id: int) -> ResponseReturnValue:
    change = _change_or_404(change_id)
    try:
        approval.reject(change, actor=current_session().actor, now=utcnow())
    except ApprovalError as error:
        raise refused(error) from None
    return jsonify(change_json(change))


def _change_or_404(change_id: int) -> Any:
    change = approval.shop_change(current_session().shop.id, change_id)
    if change is None:
        raise ApiError(404, "change_not_found", f"No price change {change_id} in this shop.")
    return change
