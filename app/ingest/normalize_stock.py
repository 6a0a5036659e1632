"""Amazon's stock sentence, mapped to an availability."""

from __future__ import annotations

import re

from app.ingest.observation import Availability

# Checked in order: the first rule whose pattern occurs in the lower-cased text wins, so the
# specific sentences ("only 3 left in stock", "in stock on July 1") come before "in stock".
_RULES: tuple[tuple[Availability, re.Pattern[str]], ...] = (
    # No buy box: other sellers' offers exist, but nothing says whether this one can be bought.
    (Availability.UNKNOWN, re.compile(r"available from these sellers|see all buying options")),
    (
        Availability.OUT_OF_STOCK,
        re.compile(
            r"out of stock|temporarily unavailable|sold out|nicht auf lager|rupture de stock"
            r"|agotado|esaurito|uitverkocht|在庫切れ"
        ),
    ),
    (
        Availability.UNAVAILABLE,
        re.compile(
            r"unavailable|back in stock|no longer available|not available|nicht verfügbar"
            r"|indisponible|no disponible|non disponibile|niet beschikbaar|取り扱いできません"
        ),
    ),
    (
        Availability.LOW_STOCK,
        re.compile(
            r"only \d+ left|\d+ left in stock|nur noch \d+|il ne reste plus que \d+"
            r"|solo quedan? \d+|quedan \d+|solo \d+ rimast|nog maar \d+|残り\d+点"
        ),
    ),
    (
        Availability.DELAYED,
        re.compile(
            r"usually ships|usually dispatched|ships within|dispatched within|in stock on"
            r"|available to ship|in stock soon|pre-?order|will be released"
            r"|versandfertig in|expédié sous|envío en"
        ),
    ),
    (
        Availability.IN_STOCK,
        re.compile(
            r"in stock|auf lager|en stock|disponible|disponibile|op voorraad|在庫あり|w magazynie"
            r"|i lager|stokta"
        ),
    ),
)


def classify_stock(text: str) -> Availability:
    """Map Amazon's stock text to an availability; text we do not recognise is ``unknown``."""
    lowered = " ".join(text.lower().split())
    if not lowered:
        return Availability.UNKNOWN
    for availability, pattern in _RULES:
        if pattern.search(lowered):
            return availability
    return Availability.UNKNOWN
