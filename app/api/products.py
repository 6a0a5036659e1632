"""/api/products: link variants to Amazon listings, list them, read history, refresh, unlink;
a product's pricing (markup override, pause, manual price handed back) and "Update Shopify"."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import and_, or_, select

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.body import json_body
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.picker import with_picked
from app.api.price_changes import refused
from app.api.pricing_schema import CHANGE_SCHEMA, PRODUCT_PATCH_REQUEST, PRODUCT_PRICING_SCHEMA
from app.api.products_schema import (
    HISTORY_SCHEMA,
    LINK_SCHEMA,
    PRODUCT_SCHEMA,
    observation_json,
    products_json,
)
from app.api.query import (
    MAX_LIMIT,
    decode_cursor,
    encode_cursor,
    page_limit,
    query_args,
    query_parameter,
)
from app.api.shop import invalid_setting
from app.clock import utcnow
from app.extensions import db
from app.ingest.budget import usage_of
from app.ingest.jobs import refresh_now
from app.ingest.link import LinkError, LinkRequest, link_product, shop_product, unlink_product
from app.models import Observation, Product
from app.price_changes import approval, settings
from app.price_changes.approval import ApprovalError
from app.price_changes.ledger import change_json
from app.price_changes.settings import InvalidSetting
from app.price_changes.summary import pricing_summary

_ERRORS = {401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA}
_PRICING_ERRORS = {**_ERRORS, 409: ERROR_SCHEMA}
_ID = {"name": "product_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _product_or_404(product_id: int) -> Product:
    product = shop_product(current_session().shop.id, product_id)
    if product is None:
        raise ApiError(404, "product_not_found", f"No linked product {product_id} in this shop.")
    return product


@bp.post("/products")
@operation(
    summary="Link a Shopify variant to an Amazon listing",
    tags=["products"],
    request=LINK_SCHEMA,
    responses={201: PRODUCT_SCHEMA, 409: ERROR_SCHEMA, **_ERRORS},
)
@session_required
def create_product() -> ResponseReturnValue:
    try:
        link = LinkRequest.from_json(with_picked(json_body()))
        product = link_product(current_session().shop, link, utcnow())
    except LinkError as error:
        raise ApiError(error.status, error.code, error.message, error.details) from None
    return jsonify(products_json([product])[0]), 201


@bp.get("/products/<int:product_id>")
@operation(
    summary="One linked product with its observation history, newest first",
    tags=["products"],
    parameters=[
        _ID,
        query_parameter(
            "history_limit",
            f"1..{MAX_LIMIT}, default 20",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        ),
        query_parameter("history_cursor", "opaque", {"type": "string"}),
    ],
    responses={200: HISTORY_SCHEMA, **_ERRORS},
)
@session_required
def get_product(product_id: int) -> ResponseReturnValue:
    args = query_args({"history_limit", "history_cursor"})
    limit = page_limit(args.get("history_limit"), 20)
    product = _product_or_404(product_id)
    statement = select(Observation).where(
        Observation.product_id == product.id, Observation.shop_id == product.shop_id
    )
    if "history_cursor" in args:
        at, last_id = decode_cursor(args["history_cursor"], (datetime, int))
        statement = statement.where(
            or_(
                Observation.observed_at < at,
                and_(Observation.observed_at == at, Observation.id < last_id),
            )
        )
    ordered = statement.order_by(Observation.observed_at.desc(), Observation.id.desc())
    rows = list(db.session.scalars(ordered.limit(limit + 1)))
    page = rows[:limit]
    cursor = (
        encode_cursor([page[-1].observed_at.isoformat(), page[-1].id])
        if len(rows) > limit
        else None
    )
    (body,) = products_json([product])
    body["history"] = [observation_json(row) for row in page]
    body["history_next_cursor"] = cursor
    return jsonify(body)


@bp.delete("/products/<int:product_id>")
@operation(
    summary="Unlink a product (its history goes with it)",
    tags=["products"],
    parameters=[_ID],
    responses={204: None, **_ERRORS},
)
@session_required
def delete_product(product_id: int) -> ResponseReturnValue:
    unlink_product(_product_or_404(product_id), utcnow())
    return "", 204


@bp.post("/products/<int:product_id>/refresh")
@operation(
    summary="Poll Amazon for this product now (answered by an observation event)",
    tags=["products"],
    parameters=[_ID],
    responses={
        202: {
            "type": "object",
            "required": ["job_id"],
            "properties": {"job_id": {"type": "string"}},
        },
        409: ERROR_SCHEMA,
        **_ERRORS,
    },
)
@session_required
def refresh_product(product_id: int) -> ResponseReturnValue:
    product = _product_or_404(product_id)
    if usage_of(current_session().shop, utcnow()).remaining == 0:
        raise ApiError(409, "budget_exhausted", "This month's polling budget is used up.")
    db.session.rollback()  # nothing to write here; the job reloads the product
    job = refresh_now.enqueue(product.id)
    return jsonify(job_id=job.id), 202


def _locked_product_or_404(product_id: int) -> Product:
    """The session's shop's product, row-locked for a pricing change."""
    product = db.session.scalar(
        select(Product)
        .where(Product.id == product_id, Product.shop_id == current_session().shop.id)
        .with_for_update()
    )
    if product is None:
        raise ApiError(404, "product_not_found", f"No product {product_id} in this shop.")
    return product


@bp.patch("/products/<int:product_id>")
@operation(
    summary="A product's markup override and pause switch",
    tags=["pricing"],
    parameters=[_ID],
    request=PRODUCT_PATCH_REQUEST,
    responses={200: PRODUCT_PRICING_SCHEMA, **_PRICING_ERRORS},
)
@session_required
def patch_product(product_id: int) -> ResponseReturnValue:
    product = _locked_product_or_404(product_id)
    body = json_body()
    session = current_session()
    try:
        settings.update_product(session.shop, product, body, actor=session.actor, now=utcnow())
    except InvalidSetting as error:
        raise invalid_setting(error) from None
    return jsonify(id=product.id, pricing=pricing_summary([product.id])[product.id])


@bp.delete("/products/<int:product_id>/manual-override")
@operation(
    summary="Hand a price set by hand in Shopify back to PriceBridge",
    tags=["pricing"],
    parameters=[_ID],
    responses={200: PRODUCT_PRICING_SCHEMA, **_PRICING_ERRORS},
)
@session_required
def clear_override(product_id: int) -> ResponseReturnValue:
    product = _locked_product_or_404(product_id)
    session = current_session()
    settings.clear_manual_override(session.shop, product, actor=session.actor, now=utcnow())
    return jsonify(id=product.id, pricing=pricing_summary([product.id])[product.id])


@bp.post("/products/<int:product_id>/push")
@operation(
    summary='"Update Shopify": approve the product\'s change and push it',
    tags=["pricing"],
    parameters=[_ID],
    responses={202: CHANGE_SCHEMA, **_PRICING_ERRORS},
)
@session_required
def push_product(product_id: int) -> ResponseReturnValue:
    session = current_session()
    product = _locked_product_or_404(product_id)
    try:
        change = approval.push_product(session.shop, product, actor=session.actor, now=utcnow())
    except ApprovalError as error:
        raise refused(error, product_id) from None
    return jsonify(change_json(change)), 202
