"""Amazon's stock sentence, in any marketplace language, mapped to an availability.

The phrase tables of :mod:`app.ingest.amazon_phrases` are tried meaning by meaning, every
language at once, negative meanings first: "no buy box", out of stock, unavailable, low
stock, delayed, and only then in stock. So "Tijdelijk niet op voorraad." is out of stock
although it contains "op voorraad", and a sentence that matches nothing is ``unknown``,
never ``in_stock``. An in-stock phrase turned around by a negation word that no table names
("not in stock", "stokta yok") reads as out of stock.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.ingest.amazon_phrases import STOCK
from app.ingest.reading import Availability
from app.ingest.text_repair import fold

# Meanings in the order they are tried; the first that matches wins.
_PHASES: tuple[tuple[Availability, str], ...] = (
    (Availability.UNKNOWN, "no_offer"),
    (Availability.OUT_OF_STOCK, "out_of_stock"),
    (Availability.UNAVAILABLE, "unavailable"),
    (Availability.LOW_STOCK, "low_stock"),
    (Availability.DELAYED, "delayed"),
)
# Languages written without spaces between words: no word boundary before a phrase.
_UNSPACED = frozenset({"ja"})
_NEGATION_WINDOW = 3


def _alternatives(field: str) -> str:
    parts = []
    for language, phrases in STOCK.items():
        boundary = "" if language in _UNSPACED else r"(?<!\w)"
        for phrase in getattr(phrases, field):
            parts.append(f"{boundary}(?:{fold(phrase)})")
    return "|".join(parts)


def _negations(field: str) -> frozenset[str]:
    words: set[str] = set()
    for phrases in STOCK.values():
        words.update(fold(word) for word in getattr(phrases, field))
    return frozenset(words)


_PHASE_PATTERNS = tuple(
    (availability, re.compile(_alternatives(field))) for availability, field in _PHASES
)
_IN_STOCK = re.compile(_alternatives("in_stock"))
_NEGATIONS_BEFORE = _negations("negations_before")
_NEGATIONS_AFTER = _negations("negations_after")


def classify_stock(text: str) -> Availability:
    """Map Amazon's stock text to an availability; text we do not recognise is ``unknown``."""
    return _classify(fold(text)) if text and text.strip() else Availability.UNKNOWN


@lru_cache(maxsize=4096)
def _classify(folded: str) -> Availability:
    for availability, pattern in _PHASE_PATTERNS:
        if pattern.search(folded):
            return availability
    matches = list(_IN_STOCK.finditer(folded))
    if not matches:
        return Availability.UNKNOWN
    if any(_negated(folded, match) for match in matches):
        return Availability.OUT_OF_STOCK
    return Availability.IN_STOCK


def _negated(folded: str, match: re.Match[str]) -> bool:
    before = re.findall(r"[^\W_]+(?:'\w+)?", folded[: match.start()])[-_NEGATION_WINDOW:]
    if any(word in _NEGATIONS_BEFORE for word in before):
        return True
    after = folded[match.end() :].lstrip(" .,;:!-")
    return any(after.startswith(word) for word in _NEGATIONS_AFTER)
