"""Every .graphql document PriceBridge sends is valid against the real Admin 2026-10 schema."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, build_client_schema, parse, validate

from app.shopify.graphql.documents import COST_HINTS, document, document_paths

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SCHEMA = ROOT / "simulators" / "shopify" / "data" / "admin_2026-10.json.gz"


@cache
def schema() -> GraphQLSchema:
    with gzip.open(SCHEMA, "rt", encoding="utf-8") as handle:
        return build_client_schema(json.load(handle)["data"])


def test_every_document_file_is_known_and_every_known_document_has_a_file() -> None:
    assert {path.stem for path in document_paths()} == set(COST_HINTS)


@pytest.mark.parametrize("path", document_paths(), ids=lambda p: p.stem)
def test_document_validates_against_the_admin_schema(path: Path) -> None:
    parsed = parse(path.read_text())
    assert validate(schema(), parsed) == []
    [operation] = parsed.definitions
    assert isinstance(operation, OperationDefinitionNode)
    assert operation.name is not None
    assert operation.name.value == path.stem


def test_a_broken_document_would_fail_the_check() -> None:
    broken = parse("query Broken { shop { noSuchField } }")
    assert validate(schema(), broken) != []


def test_bulk_update_is_all_or_nothing_and_inventory_is_idempotent() -> None:
    assert "allowPartialUpdates: false" in document("ProductVariantsBulkUpdate").text
    text = document("InventorySetQuantities").text
    assert "@idempotent(key: $key)" in text


def test_an_unknown_document_name_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown GraphQL document"):
        document("NoSuchThing")
