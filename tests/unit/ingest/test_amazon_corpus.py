"""Every sentence and value of the Amazon corpus normalises to its right value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.ingest.amazon_phrases import LANGUAGES, MARKETPLACE_LANGUAGES
from app.ingest.asin import MARKETPLACES
from app.ingest.normalize_delivery import parse_window
from app.ingest.normalize_fields import condition_of
from app.ingest.normalize_money import parse_money_text
from app.ingest.normalize_stock import classify_stock
from app.ingest.observation import Availability

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


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_covers_every_stock_meaning(language: str) -> None:
    document = corpus()[language]
    said = {entry["availability"] for entry in document["stock"]}
    assert STOCK_MEANINGS <= said
    texts = [entry["text"] for entry in document["stock"]]
    assert any(TEMPORARILY_OUT[language] in text for text in texts)
    assert document["delivery"] and document["money"] and document["condition"]
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
