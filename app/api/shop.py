"""GET /api/shop: who the session token speaks for (the shop, its grant and the user)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api import bp
from app.api.auth import current_session, session_required
from app.api.openapi import ERROR_SCHEMA, operation

_TIMESTAMP: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
SHOP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "shop",
        "scopes",
        "installed",
        "installed_at",
        "access_token_expires_at",
        "user",
    ],
    "properties": {
        "shop": {"type": "string", "description": "the myshopify domain"},
        "scopes": {"type": "array", "items": {"type": "string"}},
        "installed": {"type": "boolean"},
        "installed_at": _TIMESTAMP,
        "access_token_expires_at": _TIMESTAMP,
        "user": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": ["string", "null"], "description": "token `sub`"}},
        },
    },
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/shop")
@operation(
    summary="The current shop, its granted scopes and install state, and the Shopify user",
    tags=["shop"],
    responses={200: SHOP_SCHEMA, 401: ERROR_SCHEMA},
)
@session_required
def get_shop() -> ResponseReturnValue:
    session = current_session()
    shop = session.shop
    return jsonify(
        shop=shop.domain,
        scopes=[scope for scope in shop.scopes.split(",") if scope],
        installed=shop.is_installed,
        installed_at=_iso(shop.installed_at),
        access_token_expires_at=_iso(shop.access_token_expires_at),
        user={"id": session.user_id},
    )
