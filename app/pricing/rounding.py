"""Price rounding: cents first, then the merchant's charm or whole-number rule.

Every step rounds *up*. A price is never lowered by rounding, so a markup that meets the
margin floor before rounding still meets it after, and the margin floor never holds a change
merely because half a cent went the wrong way.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
_ONE = Decimal(1)


class Rounding(StrEnum):
    """How the final price is shaped after markup and add-on."""

    NONE = "none"
    END_99 = "99"
    END_95 = "95"
    WHOLE = "whole"


_CHARM_ENDINGS = {
    Rounding.END_99: Decimal("0.99"),
    Rounding.END_95: Decimal("0.95"),
}


def cents_up(amount: Decimal) -> Decimal:
    """The smallest whole-cent amount that is not below ``amount``."""
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def cents_half_up(amount: Decimal) -> Decimal:
    """Commercial rounding to cents, for figures we display but do not charge (compare-at)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def apply_rounding(price: Decimal, mode: Rounding) -> Decimal:
    """Round a positive price up to cents, then up to the rule's next ending.

    ``.99``/``.95`` pick the smallest ``N.99``/``N.95`` that is not below the cent price, so a
    price already ending that way stays (12.99 -> 12.99) and one just past it moves up a whole
    unit (13.00 -> 13.99, 12.96 -> 13.95). ``whole`` is the ceiling (12.01 -> 13.00, 12.00
    stays). The result always has exactly two decimal places.
    """
    if not price.is_finite() or price <= 0:
        raise ValueError(f"price to round must be a positive finite Decimal, got {price!r}")
    cents = cents_up(price)
    if mode is Rounding.NONE:
        return cents
    if mode is Rounding.WHOLE:
        return cents.quantize(_ONE, rounding=ROUND_CEILING).quantize(CENT)
    ending = _CHARM_ENDINGS[mode]
    candidate = cents.quantize(_ONE, rounding=ROUND_FLOOR) + ending
    if candidate < cents:
        candidate += _ONE
    return candidate.quantize(CENT)
