"""The JSON API under /api: every route passes the session-token gate and is documented."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from app.api.errors import http_error_response, register_error_handlers
from app.api.openapi import build_document, operation
from app.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api")
register_error_handlers(bp)


@bp.after_request
def end_read_transaction(response: Response) -> Response:
    """A GET that succeeded ends its (read) transaction with COMMIT, not the ROLLBACK the
    session's teardown would send: psycopg discards every statement it prepared on the
    connection at a ROLLBACK (psycopg/_preparing.py), so each request would parse and plan
    its queries afresh. Failed requests still roll back."""
    if request.method == "GET" and response.status_code < 400 and db.session().in_transaction():
        db.session.commit()
    return response


@bp.get("/openapi.json")
@operation(
    summary="This API's OpenAPI 3.1 document",
    tags=["meta"],
    responses={200: {"type": "object"}},
    public=True,
)
def openapi_document() -> ResponseReturnValue:
    return jsonify(build_document(current_app))


def init_app(app: Flask) -> None:
    # Each route module attaches its routes to `bp` when imported; import them before the
    # blueprint is registered, so that registration sees every route.
    from app.api import (  # noqa: F401
        events,
        export,
        price_changes,
        product_list,
        products,
        push,
        series,
        shop,
        summary,
        usage,
        variants,
    )

    app.register_blueprint(bp)

    # Unmatched URLs never reach the blueprint's handlers; keep /api answers JSON anyway.
    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_found_or_not_allowed(error: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return http_error_response(error)
        return error
