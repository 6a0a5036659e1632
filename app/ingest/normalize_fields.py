"""Readers for the fields of an Oxylabs ``amazon_product`` parsed content mapping.

Every reader takes untrusted JSON values and returns a clean value or None; none of them raise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from app.currency import is_currency, round_half_up
from app.ingest.amazon_phrases import CONDITION_EXCLUDED, CONDITION_NEW
from app.ingest.asin import MARKETPLACES
from app.ingest.normalize_delivery import resolve_delivery
from app.ingest.normalize_money import parse_money
from app.ingest.text_repair import fold, repair_text

_UNSPACED = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _condition_pattern(table: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    # Whole words only ("ny" is not in "company"), except in Japanese, written without spaces.
    words = {fold(word) for words in table.values() for word in words}
    alternatives = [
        re.escape(word) if _UNSPACED.search(word) else rf"(?<!\w){re.escape(word)}(?!\w)"
        for word in sorted(words, key=len, reverse=True)
    ]
    return re.compile("|".join(alternatives))


# A buy-box row for a used, renewed or Subscribe & Save offer: its price is never the price.
_EXCLUDED_CONDITION = _condition_pattern(CONDITION_EXCLUDED)
_NEW_CONDITION = _condition_pattern(CONDITION_NEW)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
#: Oxylabs' parse status for a page parsed without trouble; 12004/12005 are partial parses.
PARSED_IN_FULL = 12000
_MAX_URL = 2048

JsonMap = Mapping[str, Any]


def text(value: object) -> str:
    """A string value trimmed, or "" for anything that is not a string."""
    return value.strip() if isinstance(value, str) else ""


def prose(value: object) -> str:
    """A text field a person reads (title, description, seller, stock sentence), trimmed,
    with mojibake repaired and invisible characters removed."""
    return repair_text(text(value)).strip()


def mapping(value: object) -> JsonMap | None:
    return value if isinstance(value, Mapping) else None


def mappings(value: object) -> list[JsonMap]:
    """The mapping items of a JSON list (anything else is skipped)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def condition_of(row: JsonMap) -> str:
    """``"new"``, ``"excluded"`` (used, renewed, Subscribe & Save) or ``""`` when unstated."""
    condition = fold(text(row.get("condition")))
    if not condition:
        return ""
    if _EXCLUDED_CONDITION.search(condition):
        return "excluded"
    return "new" if _NEW_CONDITION.search(condition) else ""


def new_offer_row(rows: Sequence[JsonMap]) -> JsonMap | None:
    """The "Buy new" / "One-time purchase" buy-box row with a usable price, if any."""
    for row in rows:
        if condition_of(row) == "new" and parse_money(row.get("price")) is not None:
            return row
    return None


def select_price(content: JsonMap, rows: Sequence[JsonMap]) -> Decimal | None:
    """The new-offer row's price, else ``price_buybox``, else ``price``.

    A fallback equal to a used or Subscribe & Save row's price is refused: when no new row
    exists, the buy box may be showing exactly that offer.
    """
    new_row = new_offer_row(rows)
    if new_row is not None:
        return parse_money(new_row.get("price"))
    excluded = {parse_money(row.get("price")) for row in rows if condition_of(row) == "excluded"}
    for key in ("price_buybox", "price"):
        candidate = parse_money(content.get(key))
        if candidate is not None and candidate not in excluded:
            return candidate
    return None


def in_currency(amount: Decimal | None, currency: str | None) -> Decimal | None:
    """``amount`` to the currency's minor units (a yen price has no decimals); None when it
    rounds to nothing. Amounts in an unknown currency keep their cents."""
    if amount is None or not is_currency(currency):
        return amount
    assert currency is not None  # is_currency said so
    shaped = round_half_up(amount, currency)
    return shaped if shaped > 0 else None


def select_shipping(content: JsonMap, price: Decimal | None) -> Decimal | None:
    """The offer's shipping price (``price_shipping``): 0 when Amazon shows it free, None
    when there is no price to ship or the value is unreadable."""
    if price is None:
        return None
    raw = content.get("price_shipping")
    if isinstance(raw, int | float) and not isinstance(raw, bool) and raw == 0:
        return Decimal(0)
    return parse_money(raw)


def is_price_range(content: JsonMap, rows: Sequence[JsonMap]) -> bool:
    """True when ``price`` and ``price_upper`` differ (a range over variations) and no buy-box
    offer (a new-offer row or ``price_buybox``) gives the selected variation's price."""
    if new_offer_row(rows) is not None or parse_money(content.get("price_buybox")) is not None:
        return False
    low, high = parse_money(content.get("price")), parse_money(content.get("price_upper"))
    return low is not None and high is not None and low != high


def price_unread(content: JsonMap, parse_status: int | None) -> bool:
    """True when the parser says it failed on the price (a partial parse such as 12005 with
    the warning "Could not parse price."): a missing price then says nothing about stock."""
    warnings = content.get("_warnings")
    warned = isinstance(warnings, list) and any("price" in fold(text(w)) for w in warnings)
    return warned or (parse_status is not None and parse_status != PARSED_IN_FULL)


def select_list_price(
    content: JsonMap, new_row: JsonMap | None, price: Decimal | None
) -> Decimal | None:
    """The struck-through list price, counted only when it is above the selling price."""
    if price is None:
        return None
    sources: list[object] = []
    if new_row is not None:
        sources += [new_row.get("price_strikethrough"), new_row.get("list_price")]
    sources += [
        content.get("price_strikethrough"),
        content.get("list_price"),
        content.get("price_initial"),
    ]
    for source in sources:
        candidate = parse_money(source)
        if candidate is not None and candidate > price:
            return candidate
    return None


def select_currency(content: JsonMap, job: JsonMap | None, marketplace: str) -> str | None:
    """The page's currency, else the one the job asked Amazon for, else the marketplace's."""
    stated = text(content.get("currency")).upper()
    if _CURRENCY.match(stated):
        return stated
    for item in mappings(job.get("context") if job is not None else None):
        asked = text(item.get("value")).upper() if item.get("key") == "currency" else ""
        if _CURRENCY.match(asked):
            return asked
    return MARKETPLACES.get(marketplace)


def stock_text(content: JsonMap, new_row: JsonMap | None) -> str:
    """The page's stock sentence as Amazon wrote it, else the new-offer row's."""
    stock = prose(content.get("stock"))
    if stock:
        return stock
    return prose(new_row.get("stock")) if new_row is not None else ""


def has_no_offer(content: JsonMap, rows: Sequence[JsonMap]) -> bool:
    """No buy box, no featured merchant and no offer summary: nobody sells it right now."""
    return (
        not rows
        and mapping(content.get("featured_merchant")) is None
        and not text(content.get("pricing_str"))
    )


def select_delivery(
    content: JsonMap, new_row: JsonMap | None, reference: date
) -> tuple[date, date] | None:
    """The standard (not "fastest") delivery window of the new offer, else of the page."""
    entries: list[object] = []
    if new_row is not None:
        entries += _as_list(new_row.get("delivery_details"))
    entries += _as_list(content.get("delivery"))
    # A stable sort keeps page order while putting the "fastest" (paid) options last.
    for entry in sorted(entries, key=lambda entry: "fastest" in _delivery_type(entry)):
        value = entry.get("date") if isinstance(entry, Mapping) else entry
        window = resolve_delivery(value, reference)
        if window is not None:
            return window
    return None


def select_merchant(content: JsonMap) -> tuple[str | None, bool | None]:
    """The featured merchant's name and whether Amazon fulfils the order (None: not said)."""
    merchant = mapping(content.get("featured_merchant"))
    if merchant is None:
        return None, None
    seller = prose(merchant.get("name")) or None
    fulfilled = merchant.get("is_amazon_fulfilled")
    if isinstance(fulfilled, bool):
        return seller, fulfilled
    shipped_from = text(merchant.get("shipped_from")).lower()
    if shipped_from:
        return seller, shipped_from.startswith("amazon")
    if seller is not None and seller.lower().startswith("amazon"):
        return seller, True
    return seller, None


def select_images(content: JsonMap) -> tuple[str, ...]:
    """Product image URLs in page order, without placeholders (``data:``) or repeats."""
    images: list[str] = []
    for raw in _as_list(content.get("images")):
        url = text(raw)
        if url.startswith(("https://", "http://")) and len(url) <= _MAX_URL and url not in images:
            images.append(url)
    return tuple(images)


def select_title(content: JsonMap) -> str | None:
    return prose(content.get("title")) or prose(content.get("product_name")) or None


def select_description(content: JsonMap) -> str | None:
    """The description, else the bullet points: both are shown as the product's text."""
    return _joined(content.get("description")) or _joined(content.get("bullet_points")) or None


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(part for part in (prose(item) for item in value) if part)
    return prose(value)


def _as_list(value: object) -> list[object]:
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]


def _delivery_type(entry: object) -> str:
    return text(entry.get("type")).lower() if isinstance(entry, Mapping) else ""
