"""Which of Amazon's texts in a result no rule understood: for the metric that tells when
Amazon (or a marketplace we added) starts writing stock or delivery in words we do not read.

Pure: an `Reading` and the raw result in, field names out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.ingest.normalize_fields import mappings, new_offer_row
from app.ingest.reading import Availability, Reading


def unrecognised_texts(reading: Reading, raw: Mapping[str, Any]) -> tuple[str, ...]:
    """``("stock",)``, ``("delivery",)``, both or neither.

    Stock: a stock text was there, and the availability stayed ``unknown`` (which also counts
    a text read on purpose as unknown, such as "see all buying options": rare, and worth a
    look all the same). Delivery: the page
    or the offer gave a delivery promise, and no window came of it. A quarantined result says
    nothing about the texts (it was not read), so it counts for neither.
    """
    if reading.quarantined:
        return ()
    found = []
    has_stock_text = bool(reading.stock_text and reading.stock_text.strip())
    if has_stock_text and reading.availability is Availability.UNKNOWN:
        found.append("stock")
    if reading.delivery_earliest is None and _promises_delivery(raw):
        found.append("delivery")
    return tuple(found)


def _promises_delivery(raw: Mapping[str, Any]) -> bool:
    content = raw.get("content")
    if not isinstance(content, Mapping):
        return False
    # The texts the normaliser reads: the new offer's, then the page's (normalize_fields).
    entries = _as_list(content.get("delivery"))
    new_row = new_offer_row(mappings(content.get("buybox")))
    if new_row is not None:
        entries += _as_list(new_row.get("delivery_details"))
    return any(
        _has_text(entry.get("date") if isinstance(entry, Mapping) else entry) for entry in entries
    )


def _has_text(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping):
        return any(isinstance(part, str) and part.strip() for part in value.values())
    return False


def _as_list(value: object) -> list[object]:
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]
