"""The words of each marketplace's pages, drawn from the project's Amazon corpus.

The corpus (``tests/fixtures/amazon_corpus/<language>.json``) is the one the normalisation
tests run through, so what the demo shows on amazon.com.br or amazon.co.jp is exactly what
PriceBridge is tested to read: stock sentences, buy-box condition words, and delivery dates
written with CLDR's month and weekday names (through Babel) in the corpus's date pattern.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "amazon_corpus"
_QUANTITY = re.compile(r"\d+")


@cache
def _documents() -> dict[str, dict[str, Any]]:
    """Marketplace domain -> the corpus document of the language its pages are in."""
    by_domain: dict[str, dict[str, Any]] = {}
    for path in sorted(CORPUS.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for domain in document["marketplaces"]:
            by_domain[domain] = document
    return by_domain


def language_of(domain: str) -> str:
    """The language the simulator writes ``domain``'s pages in (``"en"`` if unknown)."""
    return str(_document(domain)["language"])


def _document(domain: str) -> dict[str, Any]:
    documents = _documents()
    return documents.get(domain) or documents["com"]


def _pick(options: list[str], *parts: str) -> str:
    return options[zlib.crc32("/".join(parts).encode()) % len(options)]


def stock_sentence(domain: str, availability: str, quantity: int, asin: str) -> str:
    """One of the corpus's sentences for ``availability`` (``""`` for ``unavailable``, as on
    a page without a buy box); a low-stock sentence carries ``quantity``."""
    if availability == "unavailable":
        return ""
    options = [
        entry["text"]
        for entry in _document(domain)["stock"]
        if entry["availability"] == availability
        and (availability != "low_stock" or _QUANTITY.search(entry["text"]))
    ]
    sentence = _pick(options, asin, domain, availability)
    if availability == "low_stock":
        sentence = _QUANTITY.sub(str(quantity), sentence, count=1)
    return sentence


def condition(domain: str, kind: str) -> str:
    """The buy-box condition of a ``"new"`` or ``"excluded"`` (used) row."""
    if language_of(domain) == "en":
        return " Buy new: " if kind == "new" else " Save with Used - Like New "
    return str(
        next(
            entry["text"] for entry in _document(domain)["condition"] if entry["condition"] == kind
        )
    )


def delivery_day(domain: str, day: date) -> str:
    """``"Tuesday, January 5"``, ``"terça-feira, 5 de janeiro"``, ``"1月5日(火)"``: no year."""
    form = _document(domain)["delivery_format"]
    return format_date(day, form["day"], locale=form["locale"])


def delivery_range(domain: str, first: date, last: date) -> dict[str, str]:
    """``{"from": "January 5", "by": "7"}``, the month repeated only when it changes."""
    form = _document(domain)["delivery_format"]
    start = format_date(first, form["short"], locale=form["locale"])
    if first.month == last.month and language_of(domain) == "en":
        return {"from": start, "by": str(last.day)}
    return {"from": start, "by": format_date(last, form["short"], locale=form["locale"])}
