"""The /api blueprint: each resource module adds its routes to `bp`; errors answer JSON."""

from __future__ import annotations

from flask import Blueprint, Response, request

from app.api.errors import register_error_handlers
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
