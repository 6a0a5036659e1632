"""The GraphQL documents PriceBridge sends, read once from queries/*.graphql."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent / "queries"

# The cost to reserve before the first call of a document, until Shopify's answers tell the
# client the real requestedQueryCost. Mutations cost a flat 10.
COST_HINTS = {
    "ProductVariantsBulkUpdate": 10,
    "InventorySetQuantities": 10,
    "VariantPrices": 10,
    "InventoryLevels": 20,
    "ShopDetails": 1,
    "VariantSearch": 30,
    "LinkedVariant": 3,
    "VariantsByIds": 3,
    "VariantsBySku": 35,
}


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    cost_hint: int

    def __post_init__(self) -> None:
        if not re.search(rf"\b(query|mutation)\s+{self.name}\b", self.text):
            raise ValueError(f"document {self.name!r} must define an operation named {self.name}")
        if self.cost_hint <= 0:
            raise ValueError(f"cost_hint of {self.name!r} must be positive, got {self.cost_hint}")


@cache
def document(name: str) -> Document:
    """The document ``queries/<name>.graphql`` (its operation has the same name)."""
    if name not in COST_HINTS:
        raise KeyError(f"unknown GraphQL document {name!r}; known: {sorted(COST_HINTS)}")
    return Document(name, (QUERIES_DIR / f"{name}.graphql").read_text(), COST_HINTS[name])


def document_paths() -> list[Path]:
    return sorted(QUERIES_DIR.glob("*.graphql"))
