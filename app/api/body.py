"""Reading request bodies: JSON objects only, with a clear error otherwise."""

from __future__ import annotations

from typing import Any

from flask import request

from app.api.errors import ApiError


def json_body() -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        # `silent` covers decoding errors only; JSON nested past the interpreter's recursion
        # limit raises from the parser itself.
        data = None
    if data is None:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return data
