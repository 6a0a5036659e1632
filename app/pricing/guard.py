"""Guards that decide whether a computed price may go to Shopify, and why not.

A guard never changes a price. It either lets the price through or *holds* it with a
``HoldReason`` the merchant can read; a held change is never pushed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

from app.currency import round_up

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_HUNDRED = Decimal(100)


class HoldReason(StrEnum):
    """Why a price is held instead of proposed for push."""

    NO_COST = "no_cost"
    UNKNOWN_CURRENCY = "unknown_currency"
    CURRENCY_MISMATCH = "currency_mismatch"
    PRODUCT_PAUSED = "product_paused"
    BELOW_MARGIN_FLOOR = "below_margin_floor"
    MANUAL_OVERRIDE = "manual_override"
    SHOP_CURRENCY_UNKNOWN = "shop_currency_unknown"
    ROUNDING_UNSUPPORTED = "rounding_unsupported"


def check_currency_code(code: str, *, field: str) -> str:
    """Return ``code`` if it looks like an ISO 4217 code (three capital letters)."""
    if not isinstance(code, str) or _CURRENCY_CODE.fullmatch(code) is None:
        raise ValueError(f"{field} must be an ISO 4217 code like 'USD', got {code!r}")
    return code


def margin_floor(landed_cost: Decimal, min_margin_percent: Decimal, currency: str) -> Decimal:
    """The lowest price in ``currency``'s minor units that keeps ``min_margin_percent`` over
    the landed cost (item plus shipping): CAD 44.98 at 5 % -> 47.23, JPY 1100 at 5 % -> 1155.

    The exact floor is ``cost * (1 + min_margin/100)``; a price in minor units is below that
    exactly when it is below this value rounded up to the unit, so callers compare against it.
    """
    return round_up(landed_cost * (1 + min_margin_percent / _HUNDRED), currency)


def within_tolerance(
    current_shopify_price: Decimal | None,
    proposed: Decimal,
    tolerance_percent: Decimal | None,
) -> bool:
    """Whether ``proposed`` moves the Shopify price by at most ``tolerance_percent``.

    Both directions count: a 5% tolerance allows 95..105 from 100. With no tolerance (auto
    push off) or no known Shopify price (nothing to measure against) the answer is ``False``,
    so the change waits for a person.
    """
    if tolerance_percent is None or current_shopify_price is None:
        return False
    if current_shopify_price <= 0:
        return False
    change = abs(proposed - current_shopify_price) * _HUNDRED
    return change <= tolerance_percent * current_shopify_price


def hold_message(
    reason: HoldReason,
    *,
    amazon_currency: str | None = None,
    shop_currency: str | None = None,
    price: Decimal | None = None,
    floor: Decimal | None = None,
) -> str:
    """A sentence the merchant reads next to a held change."""
    if reason is HoldReason.NO_COST:
        return "Amazon shows no price for this product right now, so there is nothing to price."
    if reason is HoldReason.UNKNOWN_CURRENCY:
        return "Amazon's price came without a currency, so it cannot be compared to the shop's."
    if reason is HoldReason.CURRENCY_MISMATCH:
        return (
            f"Amazon prices this product in {amazon_currency} but the shop sells in "
            f"{shop_currency}; change the marketplace or the shop currency to price it."
        )
    if reason is HoldReason.PRODUCT_PAUSED:
        return "Repricing is paused for this product."
    if reason is HoldReason.MANUAL_OVERRIDE:
        return (
            "The price was changed by hand in Shopify, so PriceBridge leaves it alone until "
            "you choose to resume automatic pricing for this product."
        )
    if reason is HoldReason.SHOP_CURRENCY_UNKNOWN:
        return "The shop's currency is not known yet, so Amazon's price cannot be compared."
    if reason is HoldReason.ROUNDING_UNSUPPORTED:
        return (
            f"The shop sells in {shop_currency}, which has no cents, so a .99 or .95 ending "
            "cannot be applied: choose whole-number rounding or no rounding in the settings."
        )
    return (
        f"The price {price} {shop_currency} is below the margin floor {floor} {shop_currency} "
        "(landed cost, item plus shipping, plus the minimum margin), "
        "so it is not pushed; lower the minimum margin or raise the markup to release it."
    )
