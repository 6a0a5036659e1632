"""/api/price-changes: the shop's price changes, newest first, each with its audit trail.

(Approve and reject live with the other pricing routes in ``app.api.pricing``.)
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api import bp
from app.api.auth import current_session, session_required
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.pricing_schema import CHANGE_LIST_SCHEMA, CHANGE_WITH_TRANSITIONS_SCHEMA
from app.models.price_change import CHANGE_STATES
from app.pricing.audit_service import changes_json, get_change, list_changes

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_ALLOWED = frozenset({"limit", "cursor", "state", "product_id"})
_ERRORS = {401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA}


def _query(name: str, description: str, schema: dict[str, object]) -> dict[str, object]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_PARAMETERS = [
    _query(
        "limit",
        "page size, 1..100 (default 50)",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    ),
    _query("cursor", "opaque cursor from the previous page", {"type": "string"}),
    _query("state", "only changes in this state", {"type": "string", "enum": list(CHANGE_STATES)}),
    _query("product_id", "only this product's changes", {"type": "integer"}),
]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["pc", last_id]).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        value = None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or value[0] != "pc"
        or not isinstance(value[1], int)
        or isinstance(value[1], bool)
    ):
        raise ApiError(422, "invalid_cursor", "The cursor is not one this API gave out.")
    return value[1]


def _whole(name: str, raw: str, low: int, high: int) -> int:
    if not raw.isdigit() or len(raw) > 18 or not low <= int(raw) <= high:
        raise ApiError(
            422, f"invalid_{name}", f"{name} must be a whole number from {low} to {high}."
        )
    return int(raw)


@dataclass(frozen=True)
class _Page:
    limit: int
    before_id: int | None
    state: str | None
    product_id: int | None


def _page() -> _Page:
    unknown = sorted(set(request.args) - _ALLOWED)
    if unknown:
        raise ApiError(
            422,
            "unknown_parameters",
            f"Unknown parameter(s): {', '.join(unknown)}.",
            {"unknown": unknown, "allowed": sorted(_ALLOWED)},
        )
    args = request.args
    state = args.get("state")
    if state is not None and state not in CHANGE_STATES:
        raise ApiError(422, "invalid_state", f"state must be one of {', '.join(CHANGE_STATES)}.")
    product = args.get("product_id")
    return _Page(
        limit=_whole("limit", args["limit"], 1, MAX_LIMIT) if "limit" in args else DEFAULT_LIMIT,
        before_id=decode_cursor(args["cursor"]) if "cursor" in args else None,
        state=state,
        product_id=None if product is None else _whole("product_id", product, 1, 2**63 - 1),
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
    cursor = encode_cursor(page[-1].id) if len(rows) > wanted.limit else None
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
