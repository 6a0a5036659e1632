"""Pricing routes: shop rules (with preview), product overrides, approvals and "Update Shopify"."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.api import bp
from app.api.auth import current_session, session_required
from app.api.body import json_body
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.pricing_schema import (
    BULK_PUSH_REQUEST,
    BULK_PUSH_SCHEMA,
    CHANGE_SCHEMA,
    PRODUCT_PATCH_REQUEST,
    PRODUCT_PRICING_SCHEMA,
    SETTINGS_PATCH_REQUEST,
    SETTINGS_SCHEMA,
)
from app.extensions import db
from app.models import Product
from app.models.types import utcnow
from app.pricing import approval_service, settings_service
from app.pricing.approval_service import ApprovalError
from app.pricing.change_service import change_json
from app.pricing.settings_service import SettingsError
from app.pricing.summary_service import pricing_summary

_ERRORS = {401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA, 422: ERROR_SCHEMA}
_PRODUCT = {"name": "product_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CHANGE = {"name": "change_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PREVIEW = {
    "name": "preview",
    "in": "query",
    "required": False,
    "description": "true: answer what would change, apply nothing",
    "schema": {"type": "boolean"},
}


def _actor() -> str:
    return current_session().user_id or "merchant"


def _product_or_404(product_id: int) -> Product:
    product = db.session.scalar(
        select(Product)
        .where(Product.id == product_id, Product.shop_id == current_session().shop.id)
        .with_for_update()
    )
    if product is None:
        raise ApiError(404, "product_not_found", f"No product {product_id} in this shop.")
    return product


def _invalid(error: SettingsError) -> ApiError:
    return ApiError(422, "invalid_setting", str(error), {"field": error.field})


def _refused(error: ApprovalError) -> ApiError:
    details = {"change": change_json(error.change)} if error.change is not None else None
    return ApiError(409, error.code, str(error), details)


@bp.get("/shop/settings")
@operation(summary="The shop's pricing rules", tags=["pricing"], responses={200: SETTINGS_SCHEMA})
@session_required
def get_settings() -> ResponseReturnValue:
    return jsonify(settings_service.settings_json(current_session().shop))


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
    shop = current_session().shop
    body = json_body()
    try:
        rules, action = settings_service.parse_patch(shop, body)
    except SettingsError as error:
        raise _invalid(error) from None
    if request.args.get("preview", "").lower() in ("1", "true", "yes"):
        changes = settings_service.preview_rules(shop, rules)
        answer = settings_service.settings_json(shop)
        return jsonify(preview=True, settings=answer, changes=changes)
    applied = settings_service.apply_rules(shop, rules, action, actor=_actor(), now=utcnow())
    answer = settings_service.settings_json(shop)
    if applied.repricing == "queued":
        return jsonify(preview=False, repricing="queued", settings=answer), 202
    return jsonify(preview=False, repricing="done", settings=answer, changes=applied.changes)


@bp.patch("/products/<int:product_id>")
@operation(
    summary="A product's markup override and pause switch",
    tags=["pricing"],
    parameters=[_PRODUCT],
    request=PRODUCT_PATCH_REQUEST,
    responses={200: PRODUCT_PRICING_SCHEMA, **_ERRORS},
)
@session_required
def patch_product(product_id: int) -> ResponseReturnValue:
    product = _product_or_404(product_id)
    body = json_body()
    try:
        settings_service.update_product(
            current_session().shop, product, body, actor=_actor(), now=utcnow()
        )
    except SettingsError as error:
        raise _invalid(error) from None
    return jsonify(id=product.id, pricing=pricing_summary([product.id])[product.id])


@bp.delete("/products/<int:product_id>/manual-override")
@operation(
    summary="Hand a price set by hand in Shopify back to PriceBridge",
    tags=["pricing"],
    parameters=[_PRODUCT],
    responses={200: PRODUCT_PRICING_SCHEMA, **_ERRORS},
)
@session_required
def clear_override(product_id: int) -> ResponseReturnValue:
    product = _product_or_404(product_id)
    settings_service.clear_manual_override(
        current_session().shop, product, actor=_actor(), now=utcnow()
    )
    return jsonify(id=product.id, pricing=pricing_summary([product.id])[product.id])


@bp.post("/products/<int:product_id>/push")
@operation(
    summary='"Update Shopify": approve the product\'s change and push it',
    tags=["pricing"],
    parameters=[_PRODUCT],
    responses={202: CHANGE_SCHEMA, **_ERRORS},
)
@session_required
def push_product(product_id: int) -> ResponseReturnValue:
    shop = current_session().shop
    product = _product_or_404(product_id)
    change = approval_service.open_change_of(shop.id, product.id)
    if change is None:
        raise ApiError(409, "no_change", "Shopify already has this product's price.")
    try:
        approval_service.approve(shop.id, change, actor=_actor(), now=utcnow())
    except ApprovalError as error:
        raise _refused(error) from None
    return jsonify(change_json(change)), 202


@bp.post("/push")
@operation(
    summary="Approve and push many changes: by product ids, or every proposed one",
    tags=["pricing"],
    request=BULK_PUSH_REQUEST,
    responses={202: BULK_PUSH_SCHEMA, **_ERRORS},
)
@session_required
def push_many() -> ResponseReturnValue:
    body = json_body()
    ids, states = _bulk_selection(body)
    approved, skipped = approval_service.approve_many(
        current_session().shop.id, actor=_actor(), now=utcnow(), product_ids=ids, states=states
    )
    return jsonify(
        approved=[change_json(c) for c in approved],
        skipped=[{"id": c.id, "product_id": c.product_id, "state": c.state} for c in skipped],
    ), 202


def _bulk_selection(body: dict[str, Any]) -> tuple[list[int] | None, tuple[str, ...]]:
    unknown = sorted(set(body) - {"product_ids", "filter"})
    if unknown or ("product_ids" in body) == ("filter" in body):
        raise ApiError(422, "invalid_selection", 'Send either "product_ids" or "filter".')
    if "product_ids" in body:
        ids = body["product_ids"]
        valid = isinstance(ids, list) and 0 < len(ids) <= approval_service.MAX_BULK
        if not valid or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ApiError(422, "invalid_selection", "product_ids must be 1..5000 integers.")
        return ids, ("proposed", "failed")
    selection = body["filter"]
    states = selection.get("state", ["proposed"]) if isinstance(selection, dict) else None
    if not isinstance(states, list) or not set(states) <= {"proposed", "failed"} or not states:
        raise ApiError(422, "invalid_selection", 'filter.state must list "proposed"/"failed".')
    return None, tuple(states)


@bp.post("/price-changes/<int:change_id>/approve")
@operation(
    summary="Approve a change (a failed one: retry it); its push is enqueued",
    tags=["pricing"],
    parameters=[_CHANGE],
    responses={202: CHANGE_SCHEMA, **_ERRORS},
)
@session_required
def approve_change(change_id: int) -> ResponseReturnValue:
    shop = current_session().shop
    change = _change_or_404(change_id)
    try:
        approval_service.approve(shop.id, change, actor=_actor(), now=utcnow())
    except ApprovalError as error:
        raise _refused(error) from None
    return jsonify(change_json(change)), 202


@bp.post("/price-changes/<int:change_id>/reject")
@operation(
    summary="Reject a change: it will not be pushed",
    tags=["pricing"],
    parameters=[_CHANGE],
    responses={200: CHANGE_SCHEMA, **_ERRORS},
)
@session_required
def reject_change(change_id: int) -> ResponseReturnValue:
    change = _change_or_404(change_id)
    try:
        approval_service.reject(change, actor=_actor(), now=utcnow())
    except ApprovalError as error:
        raise _refused(error) from None
    return jsonify(change_json(change))


def _change_or_404(change_id: int) -> Any:
    change = approval_service.shop_change(current_session().shop.id, change_id)
    if change is None:
        raise ApiError(404, "change_not_found", f"No price change {change_id} in this shop.")
    return change
