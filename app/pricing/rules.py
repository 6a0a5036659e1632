"""The merchant's pricing rules and the quote they give for one Amazon price.

``price = cost * (1 + markup/100) + add-on``, rounded up to cents and then to the rounding
rule; then the guards (no cost, currency, paused, margin floor) decide whether it is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.pricing.guard import (
    HoldReason,
    check_currency_code,
    hold_message,
    margin_floor,
    within_tolerance,
)
from app.pricing.rounding import CENT, Rounding, apply_rounding, cents_half_up

MAX_MARKUP_PERCENT = Decimal(1000)
MAX_MIN_MARGIN_PERCENT = Decimal(1000)
MAX_TOLERANCE_PERCENT = Decimal(100)
# Far above any retail price; keeps every intermediate well inside Decimal's 28 digits.
MAX_AMOUNT = Decimal(10) ** 12
_HUNDRED = Decimal(100)


def _check_decimal(value: object, field: str, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise TypeError(f"{field} must be a Decimal, got {value!r}")
    if not value.is_finite() or not low <= value <= high:
        raise ValueError(f"{field} must be between {low} and {high}, got {value!r}")
    return value


def _check_amount(value: object, field: str) -> Decimal:
    """A positive money amount (cost, list price)."""
    amount = _check_decimal(value, field, Decimal(0), MAX_AMOUNT)
    if amount <= 0:
        raise ValueError(f"{field} must be above zero, got {value!r}")
    return amount


@dataclass(frozen=True, slots=True)
class PricingRules:
    """A shop's store-wide pricing settings.

    ``auto_push_tolerance_percent`` is ``None`` when automatic push is off (the default).
    ``currency`` is the shop's currency; Amazon prices in another currency are held.
    """

    currency: str
    markup_percent: Decimal = Decimal(0)
    fixed_addon: Decimal = Decimal(0)
    rounding: Rounding = Rounding.NONE
    compare_at_from_list_price: bool = False
    min_margin_percent: Decimal = Decimal(0)
    auto_push_tolerance_percent: Decimal | None = None

    def __post_init__(self) -> None:
        check_currency_code(self.currency, field="currency")
        _check_decimal(self.markup_percent, "markup_percent", Decimal(0), MAX_MARKUP_PERCENT)
        _check_decimal(self.fixed_addon, "fixed_addon", Decimal(0), MAX_AMOUNT)
        if self.fixed_addon != self.fixed_addon.quantize(CENT):
            raise ValueError(f"fixed_addon must be whole cents, got {self.fixed_addon!r}")
        if not isinstance(self.rounding, Rounding):
            raise TypeError(f"rounding must be a Rounding, got {self.rounding!r}")
        compare_at = self.compare_at_from_list_price
        if not isinstance(compare_at, bool):
            raise TypeError(f"compare_at_from_list_price must be a bool, got {compare_at!r}")
        _check_decimal(
            self.min_margin_percent, "min_margin_percent", Decimal(0), MAX_MIN_MARGIN_PERCENT
        )
        if self.auto_push_tolerance_percent is not None:
            _check_decimal(
                self.auto_push_tolerance_percent,
                "auto_push_tolerance_percent",
                Decimal(0),
                MAX_TOLERANCE_PERCENT,
            )


@dataclass(frozen=True, slots=True)
class ProductOverrides:
    """Per-product settings: a markup that replaces the store's, and a pause switch."""

    markup_percent: Decimal | None = None
    paused: bool = False

    def __post_init__(self) -> None:
        if self.markup_percent is not None:
            _check_decimal(self.markup_percent, "markup_percent", Decimal(0), MAX_MARKUP_PERCENT)
        if not isinstance(self.paused, bool):
            raise TypeError(f"paused must be a bool, got {self.paused!r}")


NO_OVERRIDES = ProductOverrides()


@dataclass(frozen=True, slots=True)
class PriceBreakdown:
    """How a proposed price was reached, for the dashboard.

    ``unrounded`` is exactly ``cost * (1 + markup/100) + add-on``; ``before_rounding`` is that
    rounded up to the cent, before the rounding rule;
    ``margin_floor`` is the lowest cent price the minimum margin allows.
    """

    cost: Decimal
    markup_percent: Decimal
    markup_from_product: bool
    fixed_addon: Decimal
    unrounded: Decimal
    before_rounding: Decimal
    rounding: Rounding
    margin_floor: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    """What the rules make of one Amazon price.

    ``proposed_price`` and ``breakdown`` are ``None`` when there is no price to speak of (no
    Amazon price, or Amazon's currency is unknown or differs from the shop's). A quote with a
    ``held_reason`` is never pushed; ``held_message`` says why in words.
    """

    proposed_price: Decimal | None
    compare_at_price: Decimal | None
    held_reason: HoldReason | None
    held_message: str | None
    breakdown: PriceBreakdown | None

    @property
    def is_held(self) -> bool:
        return self.held_reason is not None


def _held(reason: HoldReason, message: str) -> Quote:
    return Quote(None, None, reason, message, None)


def _compare_at(
    list_price: Decimal | None, proposed: Decimal, rules: PricingRules
) -> Decimal | None:
    # Amazon's list price is shown as-is (not marked up): it is the reference price a buyer
    # can check, and it only makes sense while it is above what we charge.
    if not rules.compare_at_from_list_price or list_price is None:
        return None
    compare_at = cents_half_up(list_price)
    return compare_at if compare_at > proposed else None


def quote(
    cost: Decimal | None,
    currency: str | None,
    list_price: Decimal | None,
    rules: PricingRules,
    overrides: ProductOverrides = NO_OVERRIDES,
) -> Quote:
    """Price one product from Amazon's ``cost`` (its selling price) under ``rules``.

    ``cost`` ``None`` means Amazon shows no price (held ``no_cost``); a cost or list price of
    zero or less is a caller bug (sentinels must already mean *absent*) and raises.
    """
    if list_price is not None:
        _check_amount(list_price, "list_price")
    if cost is None:
        return _held(HoldReason.NO_COST, hold_message(HoldReason.NO_COST))
    _check_amount(cost, "cost")
    if currency is None:
        return _held(HoldReason.UNKNOWN_CURRENCY, hold_message(HoldReason.UNKNOWN_CURRENCY))
    check_currency_code(currency, field="currency")
    if currency != rules.currency:
        return _held(
            HoldReason.CURRENCY_MISMATCH,
            hold_message(
                HoldReason.CURRENCY_MISMATCH, amazon_currency=currency, shop_currency=rules.currency
            ),
        )

    breakdown = _breakdown(cost, rules, overrides)
    proposed = apply_rounding(breakdown.unrounded, rules.rounding)
    compare_at = _compare_at(list_price, proposed, rules)
    if overrides.paused:
        reason = HoldReason.PRODUCT_PAUSED
        return Quote(proposed, compare_at, reason, hold_message(reason), breakdown)
    if proposed < breakdown.margin_floor:
        reason = HoldReason.BELOW_MARGIN_FLOOR
        message = hold_message(
            reason, price=proposed, floor=breakdown.margin_floor, shop_currency=rules.currency
        )
        return Quote(proposed, compare_at, reason, message, breakdown)
    return Quote(proposed, compare_at, None, None, breakdown)


def _breakdown(cost: Decimal, rules: PricingRules, overrides: ProductOverrides) -> PriceBreakdown:
    markup = rules.markup_percent
    if overrides.markup_percent is not None:
        markup = overrides.markup_percent
    unrounded = cost * (1 + markup / _HUNDRED) + rules.fixed_addon
    return PriceBreakdown(
        cost=cost,
        markup_percent=markup,
        markup_from_product=overrides.markup_percent is not None,
        fixed_addon=rules.fixed_addon,
        unrounded=unrounded,
        before_rounding=apply_rounding(unrounded, Rounding.NONE),
        rounding=rules.rounding,
        margin_floor=margin_floor(cost, rules.min_margin_percent),
    )


def may_auto_push(quote: Quote, current_shopify_price: Decimal | None, rules: PricingRules) -> bool:
    """Whether a quote may be approved without a person: not held, and within tolerance."""
    if quote.is_held or quote.proposed_price is None:
        return False
    return within_tolerance(
        current_shopify_price, quote.proposed_price, rules.auto_push_tolerance_percent
    )
