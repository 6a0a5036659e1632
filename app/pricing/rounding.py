"""Price rounding in the currency's minor units, then the merchant's charm or whole rule.

Every step rounds *up*. A price is never lowered by rounding, so a markup that meets the
margin floor before rounding still meets it after, and the margin floor never holds a change
merely because half a unit went the wrong way. Minor units come from :mod:`app.currency`
(ISO 4217 via Babel's CLDR data): JPY 1237.50 rounds to 1238, never to 1237.50.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from app.currency import decimals, round_up, unit

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


class RoundingUnsupported(ValueError):
    """A ``.99``/``.95`` ending asked of a currency without cents (JPY, KRW)."""


def supports(mode: Rounding, currency: str) -> bool:
    """Whether ``mode`` can be applied in ``currency``: endings need two minor units."""
    return mode not in _CHARM_ENDINGS or decimals(currency) >= 2


def unsupported_message(mode: Rounding, currency: str) -> str:
    """The sentence a merchant reads when ``mode`` cannot be used in ``currency``."""
    return (
        f"Rounding to .{mode.value} needs a currency with cents, and {currency} has none: "
        "choose whole-number rounding or no rounding."
    )


def apply_rounding(price: Decimal, mode: Rounding, currency: str) -> Decimal:
    """Round a positive price up to ``currency``'s minor unit, then up to the rule's ending.

    ``.99``/``.95`` pick the smallest ``N.99``/``N.95`` that is not below the cent price, so a
    price already ending that way stays (12.99 -> 12.99) and one just past it moves up a whole
    unit (13.00 -> 13.99, 12.96 -> 13.95). ``whole`` is the ceiling (12.01 -> 13.00, 12.00
    stays). The result has exactly the currency's decimals (JPY 1238, USD 13.00).
    Raises ``ValueError`` for a price that is not positive, :class:`RoundingUnsupported` for
    an ending in a currency without cents, ``UnknownCurrency`` for an unknown code.
    """
    if not price.is_finite() or price <= 0:
        raise ValueError(f"price to round must be a positive finite Decimal, got {price!r}")
    if not supports(mode, currency):
        raise RoundingUnsupported(unsupported_message(mode, currency))
    up = round_up(price, currency)
    if mode is Rounding.NONE:
        return up
    if mode is Rounding.WHOLE:
        return up.quantize(_ONE, rounding=ROUND_CEILING).quantize(unit(currency))
    ending = _CHARM_ENDINGS[mode]
    candidate = up.quantize(_ONE, rounding=ROUND_FLOOR) + ending
    if candidate < up:
        candidate += _ONE
    return candidate.quantize(unit(currency))
