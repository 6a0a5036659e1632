"""Query strings of list routes: known parameters only, bounded numbers, opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

from flask import request

from app.api.errors import ApiError

MAX_LIMIT = 100
BIGINT_MAX = 2**63 - 1


def query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI query parameter (optional)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


LIMIT_PARAMETER = query_parameter(
    "limit", f"page size, 1..{MAX_LIMIT}", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}
)
CURSOR_PARAMETER = query_parameter(
    "cursor", "opaque cursor from the previous page", {"type": "string"}
)


def query_args(allowed: Iterable[str]) -> dict[str, str]:
    """The request's query parameters, refusing any this route does not know (422)."""
    known = set(allowed)
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise ApiError(
            422,
            "unknown_parameters",
            f"Unknown parameter(s): {', '.join(unknown)}.",
            {"unknown": unknown, "allowed": sorted(known)},
        )
    return {name: request.args[name] for name in known if name in request.args}


def whole_number(name: str, raw: str, low: int, high: int) -> int:
    if not raw.isdigit() or len(raw) > 19 or not low <= int(raw) <= high:
        raise ApiError(
            422, f"invalid_{name}", f"{name} must be a whole number from {low} to {high}."
        )
    return int(raw)


def page_limit(raw: str | None, default: int) -> int:
    return default if raw is None else whole_number("limit", raw, 1, MAX_LIMIT)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(raw: str, shape: tuple[type, ...]) -> list[Any]:
    """The values a cursor from `encode_cursor` holds, checked against `shape` (422 if not)."""
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        value = None
    if (
        not isinstance(value, list)
        or len(value) != len(shape)
        or not all(
            isinstance(item, kind) and not (kind is int and isinstance(item, bool))
            for item, kind in zip(value, shape, strict=True)
        )
    ):
        raise ApiError(422, "invalid_cursor", "The cursor is not one this API gave out.")
    return value
