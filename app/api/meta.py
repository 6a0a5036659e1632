"""GET /api/openapi.json: this API's own OpenAPI 3.1 document, built from the routes."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from app.api.blueprint import bp
from app.api.openapi import build_document, operation


@bp.get("/openapi.json")
@operation(
    summary="This API's OpenAPI 3.1 document",
    tags=["meta"],
    responses={200: {"type": "object"}},
    public=True,
)
def openapi_document() -> ResponseReturnValue:
    return jsonify(build_document(current_app))
