"""The merchant's pricing rules and the quote they give for one Amazon offer.

``price = cost * (1 + markup/100) + add-on``, rounded up to the currency's minor unit and
then to the rounding rule; then the guards (no cost, currency, rounding, paused, margin
floor) decide whether it is held. ``cost`` is the landed cost (item plus shipping) unless the
shop prices from the item alone; the margin floor always uses the landed cost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from app.currency import UnknownCurrency, decimals, round_half_up
from app.pricing.guard import (
    HoldReason,
    check_currency_code,
    hold_message,
    margin_floor,
    within_tolerance,
)
from app.pricing.rounding import Rounding, apply_rounding, supports

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


class CostBasis(StrEnum):
    """What the markup is applied to."""

    #: The offer's price plus its shipping (0 when free): what the merchant pays Amazon.
    LANDED_COST = "landed_cost"
    #: The offer's price alone (the margin floor still uses the landed cost).
    ITEM_PRICE = "item_price"


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
    cost_basis: CostBasis = CostBasis.LANDED_COST

    def __post_init__(self) -> None:
        check_currency_code(self.currency, field="currency")
        try:
            places = decimals(self.currency)
        except UnknownCurrency as error:
            raise ValueError(f"currency: {error}") from None
        _check_decimal(self.markup_percent, "markup_percent", Decimal(0), MAX_MARKUP_PERCENT)
        _check_decimal(self.fixed_addon, "fixed_addon", Decimal(0), MAX_AMOUNT)
        if self.fixed_addon != round_half_up(self.fixed_addon, self.currency):
            raise ValueError(
                f"fixed_addon must have at most {places} decimals in {self.currency}, "
                f"got {self.fixed_addon!r}"
            )
        if not isinstance(self.cost_basis, CostBasis):
            raise TypeError(f"cost_basis must be a CostBasis, got {self.cost_basis!r}")
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

    ``cost`` is what the markup applied to (the landed cost, or the item price when the shop
    prices from the item alone); ``landed_cost`` is ``item_price + shipping``.
    ``unrounded`` is exactly ``cost * (1 + markup/100) + add-on``; ``before_rounding`` is that
    rounded up to the currency's minor unit, before the rounding rule;
    ``margin_floor`` is the lowest price the minimum margin over the landed cost allows.
    """

    cost: Decimal
    markup_percent: Decimal
    markup_from_product: bool
    fixed_addon: Decimal
    unrounded: Decimal
    before_rounding: Decimal
    rounding: Rounding
    margin_floor: Decimal
    item_price: Decimal
    shipping: Decimal
    landed_cost: Decimal
    cost_basis: CostBasis


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

    @classmethod
    def unpriced(cls, reason: HoldReason, message: str) -> Quote:
        """A held quote with no price at all (no cost, no comparable currency)."""
        return cls(None, None, reason, message, None)

    def held(self, reason: HoldReason, message: str) -> Quote:
        """This quote, its price kept for display, held for ``reason``."""
        return replace(self, held_reason=reason, held_message=message)


def _compare_at(
    list_price: Decimal | None, proposed: Decimal, rules: PricingRules
) -> Decimal | None:
    # Amazon's list price is shown as-is (not marked up): it is the reference price a buyer
    # can check, and it only makes sense while it is above what we charge.
    if not rules.compare_at_from_list_price or list_price is None:
        return None
    compare_at = round_half_up(list_price, rules.currency)
    return compare_at if compare_at > proposed else None


def quote(
    cost: Decimal | None,
    currency: str | None,
    list_price: Decimal | None,
    rules: PricingRules,
    overrides: ProductOverrides = NO_OVERRIDES,
    shipping: Decimal | None = None,
) -> Quote:
    """Price one product from Amazon's offer under ``rules``.

    ``cost`` is the offer's item price and ``shipping`` its shipping price (``None`` or 0:
    free or not stated). ``cost`` ``None`` means Amazon shows no price (held ``no_cost``); a
    cost or list price of zero or less, or a negative shipping price, is a caller bug
    (sentinels must already mean *absent*) and raises ``ValueError``.
    """
    if list_price is not None:
        _check_amount(list_price, "list_price")
    if cost is None:
        return Quote.unpriced(HoldReason.NO_COST, hold_message(HoldReason.NO_COST))
    _check_amount(cost, "cost")
    shipping = Decimal(0) if shipping is None else shipping
    _check_decimal(shipping, "shipping", Decimal(0), MAX_AMOUNT)
    if currency is None:
        return Quote.unpriced(
            HoldReason.UNKNOWN_CURRENCY, hold_message(HoldReason.UNKNOWN_CURRENCY)
        )
    check_currency_code(currency, field="currency")
    if currency != rules.currency:
        return Quote.unpriced(
            HoldReason.CURRENCY_MISMATCH,
            hold_message(
                HoldReason.CURRENCY_MISMATCH, amazon_currency=currency, shop_currency=rules.currency
            ),
        )
    if not supports(rules.rounding, rules.currency):
        reason = HoldReason.ROUNDING_UNSUPPORTED
        return Quote.unpriced(reason, hold_message(reason, shop_currency=rules.currency))

    breakdown = _breakdown(cost, shipping, rules, overrides)
    proposed = apply_rounding(breakdown.unrounded, rules.rounding, rules.currency)
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


def _breakdown(
    item_price: Decimal, shipping: Decimal, rules: PricingRules, overrides: ProductOverrides
) -> PriceBreakdown:
    markup = rules.markup_percent
    if overrides.markup_percent is not None:
        markup = overrides.markup_percent
    landed = item_price + shipping
    cost = landed if rules.cost_basis is CostBasis.LANDED_COST else item_price
    unrounded = cost * (1 + markup / _HUNDRED) + rules.fixed_addon
    return PriceBreakdown(
        cost=cost,
        markup_percent=markup,
        markup_from_product=overrides.markup_percent is not None,
        fixed_addon=rules.fixed_addon,
        unrounded=unrounded,
        before_rounding=apply_rounding(unrounded, Rounding.NONE, rules.currency),
        rounding=rules.rounding,
        margin_floor=margin_floor(landed, rules.min_margin_percent, rules.currency),
        item_price=item_price,
        shipping=shipping,
        landed_cost=landed,
        cost_basis=rules.cost_basis,
    )


def may_auto_push(quote: Quote, current_shopify_price: Decimal | None, rules: PricingRules) -> bool:
    """Whether a quote may be approved without a person: not held, and within tolerance."""
    if quote.is_held or quote.proposed_price is None:
        return False
    return within_tolerance(
        current_shopify_price, quote.proposed_price, rules.auto_push_tolerance_percent
    )
