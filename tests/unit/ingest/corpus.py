"""The corpus of Amazon sentences and values per marketplace language, with right values.

``tests/fixtures/amazon_corpus/<language>.json`` holds, for one language: the stock
sentences (with their availability), delivery promises (with the scrape date and the dates
they mean), money texts (with the amount, or null for text that must give no price) and
buy-box condition words. The Oxylabs simulator shows the same sentences.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "amazon_corpus"


@cache
def corpus() -> dict[str, dict[str, Any]]:
    """Language code -> that language's corpus document."""
    documents = {}
    for path in sorted(CORPUS.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["language"]] = document
    return documents


def entries(kind: str) -> list[tuple[str, dict[str, Any]]]:
    """``(language, entry)`` for every entry of one kind (stock, delivery, money, condition)."""
    return [(language, entry) for language, doc in corpus().items() for entry in doc[kind]]


def entry_id(item: tuple[str, dict[str, Any]]) -> str:
    language, entry = item
    return f"{language}:{entry['text']}"
