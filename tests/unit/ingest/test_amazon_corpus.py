"""Every sentence and value of the Amazon corpus normalises to its right value."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from babel.dates import format_date

from app.ingest.amazon_phrases import LANGUAGES, MARKETPLACE_LANGUAGES
from app.ingest.asin import MARKETPLACES
from app.ingest.normalize_delivery import parse_window
from app.ingest.normalize_fields import condition_of
from app.ingest.normalize_money import parse_money_text
from app.ingest.normalize_stock import classify_stock
from app.ingest.reading import Availability

from .corpus import corpus, entries, entry_id

Entry = tuple[str, dict[str, Any]]
# What each language must say, at least once: the six stock meanings.
STOCK_MEANINGS = {"in_stock", "low_stock", "out_of_stock", "unavailable", "delayed"}
TEMPORARILY_OUT = {
    "en": "Temporarily",
    "de": "Vorübergehend",
    "fr": "Temporairement",
    "it": "Temporaneamente",
    "es": "Temporalmente",
    "pt": "Temporariamente",
    "nl": "Tijdelijk",
    "sv": "Tillfälligt",
    "pl": "Chwilowo",
    "tr": "Geçici",
    "ar": "مؤقت",
    "ja": "一時的",
}


def test_every_marketplace_language_has_a_corpus() -> None:
    assert set(corpus()) == set(LANGUAGES)
    assert set(MARKETPLACE_LANGUAGES) == set(MARKETPLACES)
    for marketplace, languages in MARKETPLACE_LANGUAGES.items():
        assert set(languages) <= set(LANGUAGES), marketplace
        # The simulator shows each marketplace in the language its corpus file claims.
        assert marketplace in corpus()[languages[0]]["marketplaces"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_day_of_the_year_reads_back_in_each_language(language: str) -> None:
    """Amazon's delivery line in CLDR's wording (weekday and month names), for 366 days
    around New Year: each reads back to its own date from a scrape two days earlier."""
    form = corpus()[language]["delivery_format"]
    first = date(2026, 7, 1)
    for offset in range(366):
        day = first + timedelta(days=offset)
        scraped = day - timedelta(days=2)
        for pattern in (form["day"], form["short"]):
            text = format_date(day, pattern, locale=form["locale"])
            assert parse_window(text, scraped) == (day, day), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_covers_every_stock_meaning(language: str) -> None:
    document = corpus()[language]
    said = {entry["availability"] for entry in document["stock"]}
    assert said >= STOCK_MEANINGS
    texts = [entry["text"] for entry in document["stock"]]
    assert any(TEMPORARILY_OUT[language] in text for text in texts)
    assert document["delivery"]
    assert document["money"]
    assert document["condition"]
    assert any(entry["scraped_on"] == "2026-12-28" for entry in document["delivery"])


@pytest.mark.parametrize("item", entries("stock"), ids=entry_id)
def test_stock_sentence(item: Entry) -> None:
    _, entry = item
    assert classify_stock(entry["text"]) is Availability(entry["availability"])


@pytest.mark.parametrize("item", entries("delivery"), ids=entry_id)
def test_delivery_promise(item: Entry) -> None:
    _, entry = item
    window = parse_window(entry["text"], date.fromisoformat(entry["scraped_on"]))
    expected = (date.fromisoformat(entry["earliest"]), date.fromisoformat(entry["latest"]))
    assert window == expected


@pytest.mark.parametrize("item", entries("money"), ids=entry_id)
def test_money_text(item: Entry) -> None:
    _, entry = item
    expected = None if entry["amount"] is None else Decimal(entry["amount"])
    assert parse_money_text(entry["text"]) == expected


@pytest.mark.parametrize("item", entries("condition"), ids=entry_id)
def test_buy_box_condition(item: Entry) -> None:
    _, entry = item
    assert condition_of({"condition": entry["text"]}) == entry["condition"]
