"""Currencies: how many decimals (minor units) each one has, and amounts shaped to them.

Minor units come from the Unicode CLDR currency data through Babel
(``babel.numbers.get_currency_precision``), which follows ISO 4217: JPY and KRW have none,
USD and EUR two, BHD three. Never a hand-typed list. Amounts are stored as ``NUMERIC(12, 2)``,
so a currency with three minor units is kept to two: fewer decimals than the currency allows,
never more.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

#: The most decimals any stored amount has (the ``Money`` column's scale).
MAX_STORED_DECIMALS = 2


class UnknownCurrency(ValueError):
    """A code that is not an ISO 4217 currency known to CLDR."""


@cache
def _known() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: object) -> bool:
    """True for an upper-case ISO 4217 code that CLDR knows (``"JPY"``), else False."""
    return isinstance(code, str) and code in _known()


@cache
def minor_units(code: str) -> int:
    """The decimals of ``code`` per ISO 4217 / CLDR (JPY 0, USD 2, BHD 3).

    Raises :class:`UnknownCurrency` for anything that is not a known currency code.
    """
    if not is_currency(code):
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code")
    return int(get_currency_precision(code))


def decimals(code: str) -> int:
    """Decimals an amount in ``code`` carries here: its minor units, at most two."""
    return min(minor_units(code), MAX_STORED_DECIMALS)


def unit(code: str) -> Decimal:
    """The smallest amount of ``code`` we keep: ``0.01`` for USD, ``1`` for JPY."""
    return Decimal(1).scaleb(-decimals(code))


def round_up(amount: Decimal, code: str) -> Decimal:
    """``amount`` raised to the next whole minor unit (never lowered): JPY 1237.5 -> 1238."""
    return amount.quantize(unit(code), rounding=ROUND_CEILING)


def round_half_up(amount: Decimal, code: str) -> Decimal:
    """``amount`` to the nearest minor unit, halves up: for figures read, not charged."""
    return amount.quantize(unit(code), rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal, code: str) -> str:
    """The amount as Shopify's ``Money`` input wants it: ``"1238"`` for JPY, ``"38.49"`` for
    CAD. Raises ``ValueError`` for an amount with more decimals than the currency has."""
    if amount != round_half_up(amount, code):
        raise ValueError(f"{amount} has more decimals than {code} allows ({decimals(code)})")
    return f"{round_half_up(amount, code):f}"
