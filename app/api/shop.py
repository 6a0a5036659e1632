"""/api/shop: who the session token speaks for (the shop, its grant and the user), and
/api/shop/settings: the shop's pricing rules, with a preview of what a change would do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.body import json_body
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.pricing_schema import SETTINGS_PATCH_REQUEST, SETTINGS_SCHEMA
from app.clock import utcnow
from app.ingest import cadence
from app.models import Shop
from app.price_changes import settings
from app.price_changes.settings import InvalidSetting

_ERRORS = {401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA, 422: ERROR_SCHEMA}
_PREVIEW = {
    "name": "preview",
    "in": "query",
    "required": False,
    "description": "true: answer what would change, apply nothing",
    "schema": {"type": "boolean"},
}
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


def invalid_setting(error: InvalidSetting) -> ApiError:
    """A refused rule or product setting as a 422 naming the field."""
    return ApiError(422, "invalid_setting", str(error), {"field": error.field})


@bp.get("/shop/settings")
@operation(summary="The shop's pricing rules", tags=["pricing"], responses={200: SETTINGS_SCHEMA})
@session_required
def get_settings() -> ResponseReturnValue:
    return jsonify(settings_answer(current_session().shop))


def settings_answer(shop: Shop) -> dict[str, Any]:
    """The pricing rules and the polling settings, as one object."""
    return {**settings.settings_json(shop), **cadence.cadence_json(shop)}


@bp.patch("/shop/settings")
@operation(
    summary=(
        "Change the pricing rules (preview=true lists what would change, applying nothing); "
        "a big shop is repriced by a job (202)"
    ),
    tags=["pricing"],
    parameters=[_PREVIEW],
    request=SETTINGS_PATCH_REQUEST,
    responses={200: SETTINGS_SCHEMA, 202: SETTINGS_SCHEMA, **_ERRORS},
)
@session_required
def patch_settings() -> ResponseReturnValue:
    session = current_session()
    shop = session.shop
    body = json_body()
    try:
        rules, action = settings.parse_patch(shop, body, other_fields=cadence.FIELDS)
        polling = cadence.parse_cadence(body)
    except InvalidSetting as error:
        raise invalid_setting(error) from None
    if _preview_flag():
        changes = settings.preview_rules(shop, rules)
        return jsonify(preview=True, settings=settings_answer(shop), changes=changes)
    now = utcnow()
    cadence.apply_cadence(shop, polling, now)  # committed with the rules below
    applied = settings.apply_rules(shop, rules, action, actor=session.actor, now=now)
    answer = settings_answer(shop)
    if applied.repricing == "queued":
        return jsonify(preview=False, repricing="queued", settings=answer), 202
    return jsonify(preview=False, repricing="done", settings=answer, changes=applied.changes)


def _preview_flag() -> bool:
    """`?preview=true|false` (also 1/0, yes/no); anything else is 422, not a silent apply."""
    raw = request.args.get("preview")
    if raw is None:
        return False
    flag = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    if raw.lower() not in flag:
        raise ApiError(422, "invalid_preview", "preview must be true or false.")
    return flag[raw.lower()]
