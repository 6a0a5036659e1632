"""Changing the rules: preview what would change, or apply and reprice every product.

A shop of up to ``INLINE_REPRICE_LIMIT`` products is repriced inside the request, so the
merchant sees the new prices at once; a bigger one gets its rules committed and a job that
reprices ``REPRICE_CHUNK`` products per transaction, so no request holds thousands of row
locks or runs past the web worker's timeout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.jobs.decorators import job
from app.models import Observation, Product, Shop
from app.models.shop import OUT_OF_STOCK_ACTIONS
from app.price_changes.ledger import commit_and_publish, money, percent
from app.price_changes.propose import lock_product, repriceable
from app.price_changes.quote import (
    latest_observation,
    product_overrides,
    shop_rules,
    store_rules,
)
from app.price_changes.reprice import reprice
from app.price_changes.signals import changes_approved
from app.pricing.preview import PreviewInput, preview
from app.pricing.rounding import Rounding, supports, unsupported_message
from app.pricing.rules import (
    MAX_AMOUNT,
    MAX_MARKUP_PERCENT,
    MAX_MIN_MARGIN_PERCENT,
    MAX_TOLERANCE_PERCENT,
    CostBasis,
    PricingRules,
    Quote,
)

INLINE_REPRICE_LIMIT = 500
MAX_ADDON = MAX_AMOUNT
REPRICE_CHUNK = 200
DECIMALS = ("markup_percent", "fixed_addon", "min_margin_percent", "auto_push_tolerance_percent")
FIELDS = (
    *DECIMALS,
    "rounding",
    "compare_at_from_list_price",
    "cost_basis",
    "out_of_stock_action",
)


class InvalidSetting(ValueError):
    """A setting the body gets wrong; ``field`` names it once, ``problem`` says what is wrong
    with the value as the merchant typed it ("must be between 0 and 1000, got -10")."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field


# Each decimal setting: (lowest, highest, decimal places). Percentages and amounts are stored
# with two decimals (NUMERIC(7,2) and NUMERIC(12,2)), so a value is refused rather than
# rounded when stored: the rules used and the rules kept are the same numbers.
LIMITS: dict[str, tuple[Decimal, Decimal, int]] = {
    "markup_percent": (Decimal(0), MAX_MARKUP_PERCENT, 2),
    "markup_override_percent": (Decimal(0), MAX_MARKUP_PERCENT, 2),
    "fixed_addon": (Decimal(0), MAX_ADDON, 2),
    "min_margin_percent": (Decimal(0), MAX_MIN_MARGIN_PERCENT, 2),
    "auto_push_tolerance_percent": (Decimal(0), MAX_TOLERANCE_PERCENT, 2),
}


def settings_json(shop: Shop) -> dict[str, Any]:
    return {
        "currency": shop.currency,
        "markup_percent": percent(shop.markup_percent),
        "fixed_addon": money(shop.fixed_addon),
        "rounding": shop.rounding,
        "compare_at_from_list_price": shop.compare_at_from_list_price,
        "cost_basis": shop.cost_basis,
        "min_margin_percent": percent(shop.min_margin_percent),
        "auto_push_tolerance_percent": percent(shop.auto_push_tolerance_percent),
        "out_of_stock_action": shop.out_of_stock_action,
    }


def as_typed(value: object) -> str:
    """The value as the merchant typed it, for a message (never a Python repr)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return "a list" if isinstance(value, list) else "an object"


def _decimal(field: str, value: object, model: type[Shop | Product] = Shop) -> Decimal:
    """A decimal setting read from JSON, checked against ``LIMITS`` and stored exactly by
    ``model``'s column (never rounded: the rules used and the rules kept are the same), else
    InvalidSetting naming the field once with the value as typed."""
    typed = as_typed(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema's integer: 300.0 is 300
    if isinstance(value, float):
        # A binary float (0.1) is not the decimal the merchant typed: send a string.
        raise InvalidSetting(field, f'must be a decimal string such as "12.50", got {typed}')
    amount: Decimal | None = None
    if isinstance(value, str | int) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise InvalidSetting(field, f'must be a decimal string such as "12.50", got {typed}')
    low, high, places = LIMITS[field]
    if not low <= amount <= high:
        raise InvalidSetting(field, f"must be between {low} and {high}, got {typed}")
    exact = amount.quantize(Decimal(1).scaleb(-places))
    if exact != amount:
        raise InvalidSetting(field, f"can have at most {places} decimal places, got {typed}")
    _check_storable(field, exact, model.__table__.c[field].type, typed)
    return exact


def markup_override(value: object) -> Decimal:
    """A product's markup override as typed (a CSV cell, a JSON value), checked exactly as
    PATCH /api/products/{id} checks it; InvalidSetting says what is wrong."""
    return _decimal("markup_override_percent", value, Product)


def _check_storable(field: str, amount: Decimal, column: Any, typed: str) -> None:
    """NUMERIC(precision, scale) holds at most precision - scale whole digits and `scale`
    decimals; 1e-999999 has neither an exact nor a PostgreSQL-readable form there."""
    precision, scale = column.precision, column.scale
    limit = Decimal(10) ** (precision - scale)
    _sign, _digits, exponent = amount.as_tuple()
    if not -limit < amount < limit:
        raise InvalidSetting(field, f"must be below {limit:,}, got {typed}")
    if (
        isinstance(exponent, int)
        and exponent < -scale
        and amount != amount.quantize(Decimal(1).scaleb(-scale))
    ):
        raise InvalidSetting(field, f"can have at most {scale} decimal places, got {typed}")


def parse_patch(
    shop: Shop, body: Mapping[str, Any], other_fields: Sequence[str] = ()
) -> tuple[PricingRules, str]:
    """The rules and out-of-stock action ``body`` asks for, validated as a whole;
    ``other_fields`` are settings read elsewhere (the polling ones), not refused here."""
    known = (*FIELDS, *other_fields)
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise InvalidSetting(unknown[0], f"is not a setting; the settings are {', '.join(known)}")
    current = shop_rules(shop)
    changes: dict[str, Any] = {}
    for name in DECIMALS:
        if name in body:
            optional = name == "auto_push_tolerance_percent" and body[name] is None
            changes[name] = None if optional else _decimal(name, body[name])
    if "rounding" in body:
        try:
            changes["rounding"] = Rounding(body["rounding"])
        except ValueError:
            allowed = ", ".join(r.value for r in Rounding)
            typed = as_typed(body["rounding"])
            raise InvalidSetting("rounding", f"must be one of {allowed}, got {typed}") from None
    if "compare_at_from_list_price" in body:
        flag = body["compare_at_from_list_price"]
        if not isinstance(flag, bool):
            problem = f"must be true or false, got {as_typed(flag)}"
            raise InvalidSetting("compare_at_from_list_price", problem)
        changes["compare_at_from_list_price"] = flag
    if "cost_basis" in body:
        try:
            changes["cost_basis"] = CostBasis(body["cost_basis"])
        except ValueError:
            allowed = ", ".join(c.value for c in CostBasis)
            typed = as_typed(body["cost_basis"])
            raise InvalidSetting("cost_basis", f"must be one of {allowed}, got {typed}") from None
    rounding = changes.get("rounding", current.rounding)
    if shop.currency is not None and not supports(rounding, shop.currency):
        raise InvalidSetting("rounding", unsupported_message(rounding, shop.currency))
    try:
        rules = dataclasses.replace(current, **changes)
    except (TypeError, ValueError) as error:
        field = next((n for n in changes if n in str(error)), "body")
        raise InvalidSetting(field, str(error)) from None
    action = body.get("out_of_stock_action", shop.out_of_stock_action)
    if action not in OUT_OF_STOCK_ACTIONS:
        allowed = ", ".join(OUT_OF_STOCK_ACTIONS)
        problem = f"must be one of {allowed}, got {as_typed(action)}"
        raise InvalidSetting("out_of_stock_action", problem)
    return rules, action


def latest_observations(
    shop_id: int, product_ids: Sequence[int] | None = None
) -> list[tuple[Product, Observation]]:
    """Each product of the shop (or those of ``product_ids``) with its newest trusted
    observation (one query)."""
    rank = (
        func.row_number()
        .over(
            partition_by=Observation.product_id,
            order_by=(Observation.observed_at.desc(), Observation.id.desc()),
        )
        .label("rank")
    )
    trusted = select(Observation.id, rank).where(
        Observation.shop_id == shop_id, Observation.quarantined.is_(False)
    )
    if product_ids is not None:
        trusted = trusted.where(Observation.product_id.in_(product_ids))
    ranked = trusted.subquery()
    rows = db.session.execute(
        select(Product, Observation)
        .join(Observation, Observation.product_id == Product.id)
        .join(ranked, ranked.c.id == Observation.id)
        .where(ranked.c.rank == 1, Product.shop_id == shop_id)
        .order_by(Product.id)
    ).all()
    return [(product, observation) for product, observation in rows]


def _quote_json(quote: Quote) -> dict[str, Any]:
    return {
        "proposed_price": money(quote.proposed_price),
        "compare_at_price": money(quote.compare_at_price),
        "held_reason": quote.held_reason.value if quote.held_reason else None,
        "held_message": quote.held_message,
    }


def preview_rules(shop: Shop, new_rules: PricingRules) -> list[dict[str, Any]]:
    """Each product with a trusted price: ``product_id``, ``title`` (Amazon's), ``asin``, and
    its quote ``before`` and ``after`` (proposed_price, compare_at_price, held_reason,
    held_message; money in the shop's currency as decimal strings)."""
    latest = latest_observations(shop.id)
    items = [
        PreviewInput(
            p.id, o.price, o.currency, o.list_price, product_overrides(p), shipping=o.shipping_price
        )
        for p, o in latest
    ]
    titles: dict[int | str, tuple[str | None, str]] = {p.id: (p.title, p.asin) for p, _ in latest}
    rows = preview(items, shop_rules(shop), new_rules)
    return [
        {
            "product_id": r.key,
            "title": titles[r.key][0],
            "asin": titles[r.key][1],
            "before": _quote_json(r.before),
            "after": _quote_json(r.after),
        }
        for r in rows
    ]


@dataclass(frozen=True)
class Applied:
    """``done``: repriced in the request (``changes`` as the preview lists them);
    ``queued``: the rules are stored and a job reprices the products."""

    repricing: Literal["done", "queued"]
    changes: list[dict[str, Any]] = field(default_factory=list)


def apply_rules(
    shop: Shop, rules: PricingRules, action: str, *, actor: str, now: datetime
) -> Applied:
    """Store the rules and reprice every product: at once for a small shop, else in a job."""
    count = db.session.scalar(select(func.count(Product.id)).where(Product.shop_id == shop.id))
    if (count or 0) > INLINE_REPRICE_LIMIT:
        _store_rules(shop, rules, action)
        db.session.commit()
        reprice_shop.enqueue(shop.id, actor)
        return Applied("queued")
    changes = preview_rules(shop, rules)
    _store_rules(shop, rules, action)
    approved = False
    for product, observation in latest_observations(shop.id):
        locked = lock_product(product.id)  # as committed now: it may be gone, or stopped
        if locked is None or not repriceable(locked):
            continue
        approved = reprice(shop, locked, observation, actor=actor, now=now).approved or approved
    commit_and_publish()
    if approved:
        changes_approved.send(shop.id)
    return Applied("done", changes)


def _store_rules(shop: Shop, rules: PricingRules, action: str) -> None:
    store_rules(shop, rules)
    shop.out_of_stock_action = action


@job(
    "default",
    timeout=3600,
    retry_intervals=(60, 300),
    job_id=lambda shop_id, actor, chunk=None: f"reprice-shop-{shop_id}",
)
def reprice_shop(shop_id: int, actor: str, chunk: int | None = None) -> int:
    """The job (enqueued by ``apply_rules`` for a big shop, and when the shop's currency
    changes): reprice every product of the shop, ``chunk`` (default ``REPRICE_CHUNK``) per
    transaction; returns the changes made.

    If the rules changed while it ran (the merchant saved again and this job, already
    started, could not be queued twice), the products done first saw the old rules: it
    goes round again with the new ones.
    """
    made = 0
    while True:
        shop = db.session.get(Shop, shop_id)
        if shop is None or not shop.is_installed:
            return made
        started_with = shop_rules(shop)
        made += _reprice_chunks(shop_id, actor=actor, chunk=chunk or REPRICE_CHUNK)
        shop = db.session.get(Shop, shop_id)
        if shop is None or shop_rules(shop) == started_with:
            return made


def _reprice_chunks(shop_id: int, *, actor: str, chunk: int) -> int:
    made, last_id = 0, 0
    while True:
        ids = list(
            db.session.scalars(
                select(Product.id)
                .where(Product.shop_id == shop_id, Product.id > last_id)
                .order_by(Product.id)
                .limit(chunk)
            )
        )
        if not ids:
            return made
        last_id = ids[-1]
        shop = db.session.get(Shop, shop_id)
        if shop is None:  # erased (shop/redact) while it ran: its products went with it
            return made
        now, approved = utcnow(), False
        for product, observation in latest_observations(shop_id, ids):
            # Locked as committed now: unlinked, or its variant deleted in Shopify, since
            # the read above, it is left alone.
            locked = lock_product(product.id)
            if locked is None or not repriceable(locked):
                continue
            outcome = reprice(shop, locked, observation, actor=actor, now=now)
            approved = approved or outcome.approved
            made += outcome.change is not None
        commit_and_publish()
        if approved:
            changes_approved.send(shop_id)  # pushes start while the rest is repriced


def update_product(
    shop: Shop, product: Product, body: Mapping[str, Any], *, actor: str, now: datetime
) -> None:
    """Markup override and pause; the product is repriced from its latest observation."""
    unknown = sorted(set(body) - {"markup_override_percent", "paused"})
    if unknown:
        raise InvalidSetting(
            unknown[0], "is not a product setting (markup_override_percent, paused)"
        )
    if "markup_override_percent" in body:
        raw = body["markup_override_percent"]
        markup = None if raw is None else _decimal("markup_override_percent", raw, Product)
        product.markup_override_percent = markup
    if "paused" in body:
        if not isinstance(body["paused"], bool):
            raise InvalidSetting("paused", f"must be true or false, got {as_typed(body['paused'])}")
        if body["paused"]:
            product.status = "paused"
        elif product.status == "paused":
            product.status = "active"
    _reprice_now(shop, product, actor=actor, now=now)


def clear_manual_override(shop: Shop, product: Product, *, actor: str, now: datetime) -> None:
    """The merchant hands the price back to PriceBridge: reprice from the latest observation."""
    product.manual_override_at = None
    product.manual_override_price = None
    _reprice_now(shop, product, actor=actor, now=now)


def _reprice_now(shop: Shop, product: Product, *, actor: str, now: datetime) -> None:
    observation = latest_observation(product.id)
    outcome = reprice(shop, product, observation, actor=actor, now=now) if observation else None
    commit_and_publish()
    if outcome is not None and outcome.approved:
        changes_approved.send(shop.id)
