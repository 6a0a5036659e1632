"""Text as merchants paste it and as scrapers return it, made safe to read and to match.

Three jobs: drop the invisible characters that ride along with copied text (U+200E after an
ASIN copied from Amazon's details table, zero-width spaces, byte-order marks), repair mojibake
(UTF-8 read as Windows-1252: ``"â€“"`` for ``"–"``) with ``ftfy``, and fold text for matching
(accents, case, compatibility forms and native digits set aside).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import ftfy

# ftfy's encoding repair only: quotes, ligatures and character widths stay as Amazon wrote them.
_REPAIR = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=False,
    explain=False,
)
# Not in Unicode's "format" category (Cf) but as invisible when pasted.
_INVISIBLE_EXTRA = frozenset("\u180e\u3164\u115f\u1160\uffa0")
#: What rides along with copied text: direction marks (U+200E after an ASIN copied from
#: Amazon's details table), zero-width spaces and joiners, the byte-order mark, soft hyphens.
INVISIBLE_EXAMPLES = (
    "\u200e", "\u200f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
    "\u202a", "\u202c", "\u2066", "\u2069", "\u180e",
)  # fmt: skip


def is_invisible(char: str) -> bool:
    """True for a character that prints nothing: a format control (Unicode category Cf,
    e.g. U+200B-U+200F, U+202A-U+202E, U+2060-U+2064, U+FEFF, U+00AD) or a Hangul filler."""
    return unicodedata.category(char) == "Cf" or char in _INVISIBLE_EXTRA


def strip_invisible(text: str) -> str:
    """``text`` without invisible characters; visible text is untouched."""
    if text.isascii():
        return text
    return "".join(char for char in text if not is_invisible(char))


def clean_pasted(text: str) -> str:
    """What a merchant pasted, as they meant it: invisible characters removed, compatibility
    forms folded (full-width ``Ｂ０９７`` is ``B097``), surrounding white space trimmed."""
    return unicodedata.normalize("NFKC", strip_invisible(text)).strip()


def repair_text(text: str) -> str:
    """Scraped text with mojibake repaired (``"(2021) â€“ Crystal"`` -> ``"(2021) – Crystal"``),
    invisible characters removed and composed to NFC. Source: ``ftfy.fix_text``."""
    if text.isascii():
        return text
    return strip_invisible(ftfy.fix_text(text, _REPAIR))


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """A matching key: repaired, compatibility-decomposed, marks dropped (``"não"`` ->
    ``"nao"``, Arabic vowel marks, Turkish dotted ``İ``), lower-cased, digits as ASCII
    (``"٣"`` -> ``"3"``), white space collapsed to single spaces."""
    decomposed = unicodedata.normalize("NFKD", repair_text(text))
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        digit = unicodedata.digit(char, None) if not char.isascii() else None
        kept.append(str(digit) if digit is not None and char.isdigit() else char)
    return " ".join("".join(kept).lower().split())
