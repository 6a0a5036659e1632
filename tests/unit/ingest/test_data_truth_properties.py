"""Properties of the data-truth rules: nothing unrecognised becomes in stock, and no price is
ever taken from a range."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.amazon_phrases import STOCK
from app.ingest.normalize import normalize_document
from app.ingest.normalize_stock import classify_stock
from app.ingest.reading import Availability
from app.ingest.text_repair import fold

from .corpus import entries
from .data_truth import PRICE_RANGE, case

PROPERTY = settings(max_examples=300, deadline=None)
# Phrases without pattern syntax, so they can be written into a sentence as they are.
LITERAL = re.compile(r"^[^\\()?\[\]|+*]+$")
NEGATIVE_PHRASES = sorted(
    phrase
    for table in STOCK.values()
    for phrase in table.out_of_stock + table.unavailable
    if LITERAL.match(phrase)
)
IN_STOCK_WORDS = sorted(
    {fold(phrase) for table in STOCK.values() for phrase in table.in_stock}, key=len
)
NEGATIVE_SENTENCES = [
    entry["text"]
    for _, entry in entries("stock")
    if entry["availability"] in {"out_of_stock", "unavailable"}
]
words = st.text(st.characters(categories=("L", "N", "Zs", "P")), max_size=40)


@PROPERTY
@given(words)
def test_text_without_an_in_stock_phrase_is_never_in_stock(text: str) -> None:
    folded = fold(text)
    if not any(word in folded for word in IN_STOCK_WORDS):
        assert classify_stock(text) is not Availability.IN_STOCK


@PROPERTY
@given(words, st.sampled_from(NEGATIVE_PHRASES + NEGATIVE_SENTENCES), words)
def test_a_negative_phrase_anywhere_is_never_in_stock(
    before: str, negative: str, after: str
) -> None:
    assert classify_stock(f"{before} {negative} {after}") not in {
        Availability.IN_STOCK,
        Availability.LOW_STOCK,
    }


@PROPERTY
@given(st.sampled_from(NEGATIVE_SENTENCES), st.sampled_from([str.upper, str.lower, str.title]))
def test_case_never_turns_a_negative_sentence_in_stock(sentence: str, case_of: Any) -> None:
    assert classify_stock(case_of(sentence)) is not Availability.IN_STOCK


prices = st.decimals(min_value="0.01", max_value="99999", places=2)
sentinels = st.sampled_from([-1, 0, None, "", -1.0])
excluded_rows = st.lists(
    st.fixed_dictionaries(
        {
            "price": st.floats(min_value=1, max_value=9999),
            "condition": st.sampled_from(
                ["Used - Good", "Gebraucht", "Usado", "中古品", "Subscribe & Save:", ""]
            ),
        }
    ),
    max_size=2,
)


@PROPERTY
@given(prices, prices, sentinels, excluded_rows, st.sampled_from(["", "In Stock", "Em estoque"]))
def test_no_normalised_price_comes_from_a_range(
    low: Any, high: Any, buybox: Any, rows: list[dict[str, Any]], stock: str
) -> None:
    document = case(PRICE_RANGE)
    content = document["results"][0]["content"]
    content.update(price=float(low), price_upper=float(high), price_buybox=buybox)
    content.update(buybox=rows, stock=stock)
    (observation,) = normalize_document(document)
    if low != high:
        assert observation.price is None
        assert observation.quarantined
    else:
        assert observation.price in {None, low}
