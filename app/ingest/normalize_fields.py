"""Readers for the fields of an Oxylabs ``amazon_product`` parsed content mapping.

Every reader takes untrusted JSON values and returns a clean value or None; none of them raise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from app.ingest.asin import MARKETPLACES
from app.ingest.normalize_delivery import resolve_delivery
from app.ingest.normalize_money import parse_money

# A buy-box row for a used, renewed or Subscribe & Save offer: its price is never the price.
_EXCLUDED_CONDITION = re.compile(
    r"used|renewed|refurbished|pre-owned|subscribe|s&s|gebraucht|generalüberholt|occasion"
    r"|reconditionn|usado|reacondicionado|usato|ricondizionato|tweedehands|中古"
)
_NEW_CONDITION = re.compile(
    r"new|one-time purchase|neu|neuf|nuevo|nuovo|nieuw|einmalig|achat unique|compra única|新品"
)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MAX_URL = 2048

JsonMap = Mapping[str, Any]


def text(value: object) -> str:
    """A string value trimmed, or "" for anything that is not a string."""
    return value.strip() if isinstance(value, str) else ""


def mapping(value: object) -> JsonMap | None:
    return value if isinstance(value, Mapping) else None


def mappings(value: object) -> list[JsonMap]:
    """The mapping items of a JSON list (anything else is skipped)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def condition_of(row: JsonMap) -> str:
    """``"new"``, ``"excluded"`` (used, renewed, Subscribe & Save) or ``""`` when unstated."""
    condition = text(row.get("condition")).lower()
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
    stock = content.get("stock")
    if isinstance(stock, str) and stock.strip():
        return stock
    row_stock = new_row.get("stock") if new_row is not None else None
    return row_stock if isinstance(row_stock, str) else ""


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
    seller = text(merchant.get("name")) or None
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
    return text(content.get("title")) or text(content.get("product_name")) or None


def select_description(content: JsonMap) -> str | None:
    """The description, else the bullet points: both are shown as the product's text."""
    return _joined(content.get("description")) or _joined(content.get("bullet_points")) or None


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(part for part in (text(item) for item in value) if part)
    return text(value)


def _as_list(value: object) -> list[object]:
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]


def _delivery_type(entry: object) -> str:
    return text(entry.get("type")).lower() if isinstance(entry, Mapping) else ""
