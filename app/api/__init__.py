"""The JSON API under /api, one module per resource: every route passes the session-token
gate and is documented in the OpenAPI document (`meta`)."""

from __future__ import annotations

from flask import Flask, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

# Each resource module adds its routes to `bp` when imported, before `init_app` registers it:
# imported for that effect alone.
from app.api import (  # noqa: F401
    events,
    export,
    meta,
    price_changes,
    product_imports,
    product_list,
    products,
    push,
    series,
    shop,
    summary,
    usage,
    variants,
)
from app.api.blueprint import bp
from app.api.errors import http_error_response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    # Unmatched URLs never reach the blueprint's handlers; keep /api answers JSON anyway.
    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_found_or_not_allowed(error: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return http_error_response(error)
        return error
