"""From rows to the pure core's values: a shop's rules, a product's overrides, one quote."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Observation, Product, Shop
from app.price_changes.ledger import money, percent
from app.pricing.guard import HoldReason, hold_message
from app.pricing.rounding import Rounding
from app.pricing.rules import CostBasis, PricingRules, ProductOverrides, Quote, quote


def shop_rules(shop: Shop, currency: str | None = None) -> PricingRules:
    """The shop's store-wide rules; ``currency`` stands in when the shop's is not known."""
    return PricingRules(
        currency=shop.currency or currency or "XXX",
        markup_percent=shop.markup_percent,
        fixed_addon=shop.fixed_addon,
        rounding=Rounding(shop.rounding),
        compare_at_from_list_price=shop.compare_at_from_list_price,
        min_margin_percent=shop.min_margin_percent,
        auto_push_tolerance_percent=shop.auto_push_tolerance_percent,
        cost_basis=CostBasis(shop.cost_basis or CostBasis.LANDED_COST),
    )


def store_rules(shop: Shop, rules: PricingRules) -> None:
    """Write ``rules`` to the shop's columns: the inverse of ``shop_rules``, kept beside it
    so the mapping between the columns and `PricingRules` lives in one place."""
    shop.markup_percent = rules.markup_percent
    shop.fixed_addon = rules.fixed_addon
    shop.rounding = rules.rounding.value
    shop.compare_at_from_list_price = rules.compare_at_from_list_price
    shop.cost_basis = rules.cost_basis.value
    shop.min_margin_percent = rules.min_margin_percent
    shop.auto_push_tolerance_percent = rules.auto_push_tolerance_percent


def product_overrides(product: Product) -> ProductOverrides:
    return ProductOverrides(
        markup_percent=product.markup_override_percent, paused=product.status == "paused"
    )


def quote_product(
    shop: Shop, product: Product, observation: Observation, rules: PricingRules | None = None
) -> Quote:
    """The quote for ``product`` from ``observation``, with the shop-level holds applied.

    A shop whose currency is unknown cannot be compared with Amazon's; a product whose price
    was set by hand in Shopify is held (with the price it would have had) until the merchant
    clears the override.
    """
    if shop.currency is None:
        reason = HoldReason.SHOP_CURRENCY_UNKNOWN
        return Quote.unpriced(reason, hold_message(reason))
    rules = rules or shop_rules(shop)
    result = quote(
        observation.price,
        observation.currency,
        observation.list_price,
        rules,
        product_overrides(product),
        shipping=observation.shipping_price,
    )
    overridden = product.manual_override_at is not None
    if overridden and result.proposed_price is not None and result.held_reason is None:
        return result.held(HoldReason.MANUAL_OVERRIDE, hold_message(HoldReason.MANUAL_OVERRIDE))
    return result


def latest_observation(product_id: int) -> Observation | None:
    """The newest trusted observation of a product (what a push must not be older than)."""
    return db.session.scalar(
        select(Observation)
        .where(Observation.product_id == product_id, Observation.quarantined.is_(False))
        .order_by(Observation.observed_at.desc(), Observation.id.desc())
        .limit(1)
    )


def rule_snapshot(rules: PricingRules, result: Quote) -> dict[str, Any]:
    """What a change was computed with, stored on the row for the audit trail."""
    snapshot: dict[str, Any] = {
        "currency": rules.currency,
        "markup_percent": percent(rules.markup_percent),
        "fixed_addon": money(rules.fixed_addon),
        "rounding": rules.rounding.value,
        "compare_at_from_list_price": rules.compare_at_from_list_price,
        "min_margin_percent": percent(rules.min_margin_percent),
        "cost_basis": rules.cost_basis.value,
        "auto_push_tolerance_percent": percent(rules.auto_push_tolerance_percent),
        "held_message": result.held_message,
    }
    if result.breakdown is not None:
        b = result.breakdown
        snapshot["breakdown"] = {
            "cost": str(b.cost),
            "item_price": str(b.item_price),
            "shipping": str(b.shipping),
            "landed_cost": str(b.landed_cost),
            "markup_percent": percent(b.markup_percent),
            "markup_from_product": b.markup_from_product,
            "fixed_addon": money(b.fixed_addon),
            "before_rounding": str(b.before_rounding),
            "margin_floor": str(b.margin_floor),
        }
    return snapshot


def _fact(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 50, 50.0 and 50.00 are one markup
    if isinstance(value, Enum):
        return value.value
    return value


def quote_fingerprint(
    observation: Observation, rules: PricingRules, overrides: ProductOverrides, result: Quote
) -> str:
    """What a quote was computed from, hashed (64 hex digits): Amazon's price, list price and
    currency, the landed cost, every store rule and the product's overrides. Two quotes with
    the same fingerprint are the same quote: one the merchant rejected is not proposed again.
    """
    cost = result.breakdown.cost if result.breakdown is not None else None
    facts = {
        "amazon": [_fact(observation.price), _fact(observation.list_price), observation.currency],
        "cost": _fact(cost),
        "rules": {f.name: _fact(getattr(rules, f.name)) for f in dataclasses.fields(rules)},
        "overrides": {
            f.name: _fact(getattr(overrides, f.name)) for f in dataclasses.fields(overrides)
        },
    }
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
