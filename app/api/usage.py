"""/api/usage: this month's Amazon results used against the shop's polling budget."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.products_schema import USAGE_SCHEMA, usage_json
from app.clock import utcnow
from app.ingest.budget import usage_of


@bp.get("/usage")
@operation(
    summary="This month's provider results used against the shop's budget",
    tags=["products"],
    responses={200: USAGE_SCHEMA, 401: ERROR_SCHEMA},
)
@session_required
def get_usage() -> ResponseReturnValue:
    return jsonify(usage_json(usage_of(current_session().shop, utcnow())))
