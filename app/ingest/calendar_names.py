"""Month and weekday names of every marketplace language, from the Unicode CLDR via Babel.

Names are folded (:func:`app.ingest.text_repair.fold`: no accents, lower case) and stripped
of abbreviation dots, so ``"março"``, ``"Marco"`` and ``"mar."`` read alike. Babel's CLDR
tables are the source; only the relative day words Amazon prints ("Tomorrow", "Amanhã")
are listed here, since CLDR keeps them as phrases ("tomorrow") without the stock forms.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from babel import Locale

from app.ingest.text_repair import fold

#: Babel locales read for names: each marketplace language, and the regional variants that
#: add names of their own (``de_AT`` "Jänner", ``fr_CA`` "juill.", ``pt_PT`` "terça").
LOCALES = (
    "en", "de", "de_AT", "fr", "fr_CA", "it", "es", "pt", "pt_PT", "nl", "sv", "pl", "tr",
    "ar", "ja",
)  # fmt: skip
_WIDTHS = ("wide", "abbreviated")
_CONTEXTS = ("format", "stand-alone")

#: Relative delivery days as Amazon writes them: word -> days after the scrape.
RELATIVE_DAYS: dict[str, int] = {
    fold(word): days
    for words, days in (
        (("today", "heute", "aujourd'hui", "oggi", "hoy", "hoje", "vandaag", "idag"), 0),
        (("dzisiaj", "dziś", "bugün", "اليوم", "今日", "本日"), 0),
        (("tomorrow", "overnight", "morgen", "demain", "domani", "mañana", "amanhã"), 1),
        (("imorgon", "jutro", "yarın", "غدا", "غدًا", "明日"), 1),
        (("übermorgen", "overmorgen", "après-demain", "dopodomani", "pojutrze"), 2),
        (("明後日",), 2),
    )
    for word in words
}


def _folded(name: str) -> str:
    return fold(name).strip(".").replace(".", "")


def _unambiguous(found: dict[str, set[int]]) -> dict[str, int]:
    """Names that mean one number in every locale (a name with two meanings is dropped)."""
    return {name: next(iter(values)) for name, values in found.items() if len(values) == 1}


@cache
def month_numbers() -> dict[str, int]:
    """Folded month name -> month number (1-12), across :data:`LOCALES`."""
    found: dict[str, set[int]] = defaultdict(set)
    for code in LOCALES:
        months = Locale.parse(code).months
        for context in _CONTEXTS:
            for width in _WIDTHS:
                for number, name in months[context][width].items():
                    found[_folded(name)].add(number)
    return _unambiguous(found)


@cache
def weekday_numbers() -> dict[str, int]:
    """Folded weekday name -> weekday (0 Monday .. 6 Sunday, as ``date.weekday()``)."""
    found: dict[str, set[int]] = defaultdict(set)
    for code in LOCALES:
        days = Locale.parse(code).days
        for context in _CONTEXTS:
            for width in _WIDTHS:
                for number, name in days[context][width].items():
                    found[_folded(name)].add(number)
    # Amazon.com's own short forms that CLDR does not list.
    for name, number in (("tues", 1), ("thur", 3), ("thurs", 3)):
        found[name].add(number)
    return _unambiguous(found)
