"""Money read from scraped values: numbers that may be floats, sentinels or display strings."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.ingest.text_repair import strip_invisible

CENT = Decimal("0.01")
# No Amazon listing costs this much in any currency we support; larger numbers are garbage.
MAX_PRICE = Decimal("100000000")
_MAX_TEXT = 64

# After NFKC every space (no-break, narrow, thin) is a plain one.
_NUMBER = re.compile(r"(?<!\d)[.,]?\d[\d.,' \u066b\u066c]*")
_ARABIC_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ","})
_LEADING_FRACTION = re.compile(r"^[.,](\d{1,2})$")
_THOUSANDS_TAIL = re.compile(r"^\d{3}(?:[.,]\d{1,2})?$")
_NEGATIVE = re.compile(r"[-\u2212(]\s*\D{0,4}\s*$")


def parse_money(value: object) -> Decimal | None:
    """A positive amount rounded to cents, or None for anything absent, sentinel or unreadable.

    Floats go through their shortest ``repr`` so ``328.95`` stays ``328.95``; zero and negative
    values are Oxylabs' way of saying "no price" and come back as None.
    """
    amount: Decimal | None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value)) if math.isfinite(value) else None
    elif isinstance(value, str):
        amount = parse_money_text(value)
    else:
        return None
    return _positive_cents(amount)


def parse_money_text(text: str) -> Decimal | None:
    """Read one price out of display text: ``$1,299.99``, ``1.299,99 €``, ``₹1,29,999.00``,
    ``1 299,99 €``, ``,89 €`` (0.89), ``161 49`` (Amazon's whole and fraction parts: 161.49).

    A group after a space counts as thousands only with exactly three digits. Ranges
    (``$10 - $20``), negative amounts and text with several numbers give None.
    """
    if len(text) > _MAX_TEXT:
        return None
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    numbers = list(_NUMBER.finditer(text))
    if len(numbers) != 1:
        return None
    found = numbers[0]
    if _NEGATIVE.search(text[: found.start()]):
        return None
    token = found.group().translate(_ARABIC_SEPARATORS).replace("'", "").rstrip(" ")
    canonical = _spaced_number(token.rstrip(".,").rstrip(" "))
    if canonical is None:
        return None
    try:
        return Decimal(canonical)
    except InvalidOperation:
        return None


def _spaced_number(token: str) -> str | None:
    """Decide what spaces mean (thousands, or whole and fraction), then read the rest."""
    if leading := _LEADING_FRACTION.match(token):
        return f"0.{leading.group(1)}"
    if token[:1] in ".,":
        return None
    parts = token.split()
    if len(parts) == 1:
        return _canonical_number(token)
    head, middle, tail = parts[0], parts[1:-1], parts[-1]
    if all(len(part) == 3 and part.isdigit() for part in middle) and _THOUSANDS_TAIL.match(tail):
        if head.isdigit() and len(head) <= 3 and not head.startswith("0"):
            return _canonical_number(head + "".join(middle) + tail)
        return None
    if len(parts) == 2 and head.isdigit() and len(tail) == 2 and tail.isdigit():
        return f"{int(head)}.{tail}"
    return None


def _canonical_number(token: str) -> str | None:
    """Rewrite a number with ``,``/``.`` separators as ``1234.56``, deciding which is decimal."""
    commas, dots = token.count(","), token.count(".")
    if commas and dots:
        decimal_sep = "," if token.rfind(",") > token.rfind(".") else "."
        whole, _, fraction = token.rpartition(decimal_sep)
        digits = _grouped(whole, "." if decimal_sep == "," else ",")
        if digits is None or not fraction.isdigit() or len(fraction) > 2:
            return None
        return f"{digits}.{fraction}"
    sep = "," if commas else "." if dots else ""
    if not sep:
        return token
    whole, _, fraction = token.rpartition(sep)
    if token.count(sep) == 1 and len(fraction) in (1, 2):
        return f"{whole}.{fraction}"
    return _grouped(token, sep)


def _grouped(whole: str, sep: str) -> str | None:
    """Digits of a whole number grouped by thousands (or the Indian lakh style), else None."""
    groups = whole.split(sep)
    if len(groups) == 1:
        return whole if whole.isdigit() else None
    head, tail = groups[0], groups[1:]
    if not head.isdigit() or head.startswith("0") or len(head) > 3:
        return None
    if not all(group.isdigit() for group in tail) or len(tail[-1]) != 3:
        return None
    if {len(group) for group in tail[:-1]} not in (set(), {3}, {2}):
        return None
    return "".join(groups)


def _positive_cents(amount: Decimal | None) -> Decimal | None:
    if amount is None or not amount.is_finite() or amount <= 0 or amount >= MAX_PRICE:
        return None
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return cents if cents > 0 else None
