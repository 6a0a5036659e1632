from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.sim.shopify.graphql.harness import SHOP, Harness

Stock = Callable[[], dict[str, Any]]
SET = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""


@pytest.fixture
def stock(harness: Harness) -> Callable[[], dict[str, Any]]:
    """The first variant's inventory item, first location and its current quantities."""

    def read() -> dict[str, Any]:
        variant = harness.admin.variants(SHOP)[0]
        location, quantities = next(iter(variant["inventory"].items()))
        return {"item": variant["inventory_item_id"], "location": location, **quantities}

    return read


def _input(row: dict[str, Any], quantity: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://pricebridge/StockSync/1",
        "quantities": [
            {
                "inventoryItemId": row["item"],
                "locationId": row["location"],
                "quantity": quantity,
                **extra,
            }
        ],
    }


def test_set_with_matching_change_from_quantity(harness: Harness, stock: Stock) -> None:
    before = stock()
    result = harness.data(
        SET, {"key": "k1", "input": _input(before, 7, changeFromQuantity=before["available"])}
    )["inventorySetQuantities"]
    assert result["userErrors"] == []
    delta = 7 - before["available"]
    assert result["inventoryAdjustmentGroup"]["changes"] == [
        {"name": "available", "delta": delta, "quantityAfterChange": 7},
        {"name": "on_hand", "delta": delta, "quantityAfterChange": before["on_hand"] + delta},
    ]
    assert stock()["available"] == 7


def test_stale_change_from_quantity_changes_nothing(harness: Harness, stock: Stock) -> None:
    before = stock()
    result = harness.data(
        SET, {"key": "k2", "input": _input(before, 7, changeFromQuantity=before["available"] + 1)}
    )["inventorySetQuantities"]
    assert result["inventoryAdjustmentGroup"] is None
    assert result["userErrors"] == [
        {
            "field": ["input", "quantities", "0", "changeFromQuantity"],
            "message": "The changeFromQuantity value does not match persisted value.",
            "code": "CHANGE_FROM_QUANTITY_STALE",
        }
    ]
    assert stock() == before


def test_null_change_from_quantity_skips_the_check(harness: Harness, stock: Stock) -> None:
    result = harness.data(
        SET, {"key": "k3", "input": _input(stock(), 11, changeFromQuantity=None)}
    )["inventorySetQuantities"]
    assert result["userErrors"] == []
    assert stock()["available"] == 11


def test_omitted_change_from_quantity_is_a_top_level_error(harness: Harness, stock: Stock) -> None:
    _, body = harness.gql(SET, {"key": "k4", "input": _input(stock(), 11)})
    assert body["errors"][0]["message"] == (
        "InventoryQuantityInput must include the following argument: changeFromQuantity."
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID_FIELD_ARGUMENTS"}
    assert body["data"] == {"inventorySetQuantities": None}


def test_missing_idempotent_directive_is_rejected(harness: Harness, stock: Stock) -> None:
    _, body = harness.gql(
        "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input)"
        " { userErrors { code } } }",
        {"input": _input(stock(), 1, changeFromQuantity=None)},
    )
    assert body["errors"][0]["message"] == (
        "The @idempotent directive is required for this mutation but was not provided."
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


def test_same_key_same_input_answers_the_same_and_applies_once(
    harness: Harness, stock: Stock
) -> None:
    before = stock()
    variables = {
        "key": "retry-me",
        "input": _input(before, before["available"] + 5, changeFromQuantity=before["available"]),
    }
    first = harness.data(SET, variables)
    second = harness.data(SET, variables)
    assert first == second
    assert first["inventorySetQuantities"]["userErrors"] == []
    assert stock()["available"] == before["available"] + 5


def test_same_key_different_input_is_a_mismatch(harness: Harness, stock: Stock) -> None:
    row = stock()
    harness.data(SET, {"key": "k5", "input": _input(row, 3, changeFromQuantity=None)})
    result = harness.data(SET, {"key": "k5", "input": _input(row, 4, changeFromQuantity=None)})
    [error] = result["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert stock()["available"] == 3


def test_unknown_item_location_and_name(harness: Harness, stock: Stock) -> None:
    row = {"item": "gid://shopify/InventoryItem/1", "location": "gid://shopify/Location/1"}
    payload = _input(row, 1, changeFromQuantity=None) | {"name": "incoming"}
    result = harness.data(SET, {"key": "k6", "input": payload})["inventorySetQuantities"]
    assert [e["code"] for e in result["userErrors"]] == ["INVALID_NAME", "INVALID_INVENTORY_ITEM"]
