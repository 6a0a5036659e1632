"""inventorySetQuantities: absolute stock with compare-and-swap and @idempotent(key:)."""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLResolveInfo
from graphql.execution.values import get_directive_values

from simulators.shopify.graphql.context import ExecContext, user_error
from simulators.shopify.graphql.errors import TopLevelError
from simulators.shopify.graphql.paging import gid, iso, parse_gid
from simulators.shopify.graphql.store import QUANTITY_NAMES, IdempotentAnswer, ShopState
from simulators.shopify.graphql.views import item_view, location_view

MAX_QUANTITY = 1_000_000_000
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_created",
        "movement_updated",
        "movement_received",
        "movement_canceled",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)
Change = tuple[int, int, int]  # inventory item id, location id, new quantity


def idempotency_key(info: GraphQLResolveInfo) -> str:
    directive = info.schema.get_directive("idempotent")
    assert directive is not None
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    if values is None:
        raise TopLevelError(
            "The @idempotent directive is required for this mutation but was not provided.",
            "BAD_REQUEST",
        )
    key = str(values["key"])
    if not key.strip():
        raise TopLevelError(
            "The idempotency key cannot be an empty string or whitespace only.", "BAD_REQUEST"
        )
    return key


# (field under the row, message, code) for each way a quantity row can be refused
ROW_ERRORS = {
    "item": (
        "inventoryItemId",
        "The specified inventory item could not be found.",
        "INVALID_INVENTORY_ITEM",
    ),
    "location": ("locationId", "The specified location could not be found.", "INVALID_LOCATION"),
    "duplicate": (
        None,
        "The combination of inventoryItemId and locationId must be unique.",
        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
    ),
    "negative": ("quantity", "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE"),
    "too_high": (
        "quantity",
        "The total quantity can't be higher than 1,000,000,000.",
        "INVALID_QUANTITY_TOO_HIGH",
    ),
    "stale": (
        "changeFromQuantity",
        "The changeFromQuantity value does not match persisted value.",
        "CHANGE_FROM_QUANTITY_STALE",
    ),
}


def _header_errors(data: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    if data["name"] not in QUANTITY_NAMES:
        errors.append(
            user_error(
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
                "INVALID_NAME",
            )
        )
    if data["reason"] not in REASONS:
        errors.append(
            user_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON")
        )
    uri = data.get("referenceDocumentUri")
    if uri is not None and (":" not in uri or uri.endswith(":")):
        errors.append(
            user_error(
                ["input", "referenceDocumentUri"],
                "The specified reference document is invalid.",
                "INVALID_REFERENCE_DOCUMENT",
            )
        )
    return errors


def _row_problem(
    state: ShopState, name: str, row: dict[str, Any], seen: set[tuple[int, int]]
) -> str | Change:
    """The change a quantity row asks for, or the ROW_ERRORS key that refuses it."""
    item_id = parse_gid(row["inventoryItemId"], "InventoryItem")
    location_id = parse_gid(row["locationId"], "Location")
    if item_id is None or state.variant_by_item(item_id) is None:
        return "item"
    if location_id is None or location_id not in state.locations:
        return "location"
    if (item_id, location_id) in seen:
        return "duplicate"
    seen.add((item_id, location_id))
    quantity: int = row["quantity"]
    if quantity < 0:
        return "negative"
    if quantity > MAX_QUANTITY:
        return "too_high"
    current = state.levels.get((item_id, location_id), {}).get(name, 0)
    expected = row["changeFromQuantity"]
    if expected is not None and expected != current:
        return "stale"
    return (item_id, location_id, quantity)


def _check(state: ShopState, data: dict[str, Any]) -> tuple[list[Change], list[dict[str, Any]]]:
    errors = _header_errors(data)
    changes: list[Change] = []
    seen: set[tuple[int, int]] = set()
    for index, row in enumerate(data["quantities"]):
        outcome = _row_problem(state, data["name"], row, seen)
        if isinstance(outcome, tuple):
            changes.append(outcome)
            continue
        field, message, code = ROW_ERRORS[outcome]
        path = ["input", "quantities", str(index)]
        errors.append(user_error([*path, field] if field else path, message, code))
    return changes, errors


def _apply(ctx: ExecContext, data: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    """Set the quantities; `available` and `on_hand` move together by the same delta."""
    state = ctx.state
    name = data["name"]
    other = "on_hand" if name == "available" else "available"
    rows: list[dict[str, Any]] = []
    for item_id, location_id, quantity in changes:
        stock = state.levels.setdefault((item_id, location_id), {"available": 0, "on_hand": 0})
        delta = quantity - stock.get(name, 0)
        stock[name] = quantity
        stock[other] = stock.get(other, 0) + delta
        for changed in (name, other):
            rows.append(
                {
                    "item_id": item_id,
                    "location_id": location_id,
                    "name": changed,
                    "delta": delta,
                    "after": stock[changed],
                }
            )
    group_id = state.next_group_id()
    return _group_view(state, group_id, ctx, data, rows)


def _group_view(
    state: ShopState,
    group_id: int,
    ctx: ExecContext,
    data: dict[str, Any],
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    def changes(**args: Any) -> list[dict[str, Any]]:
        names = args.get("quantityNames")
        items = {parse_gid(i, "InventoryItem") for i in args.get("inventoryItemIds") or []}
        locations = {parse_gid(i, "Location") for i in args.get("locationIds") or []}
        return [
            {
                "name": row["name"],
                "delta": row["delta"],
                "quantityAfterChange": row["after"],
                "ledgerDocumentUri": None,
                "item": lambda row=row, **_: item_view(state, row["item_id"]),
                "location": lambda row=row, **_: location_view(
                    state, state.locations[row["location_id"]]
                ),
            }
            for row in rows
            if (not names or row["name"] in names)
            and (not items or row["item_id"] in items)
            and (not locations or row["location_id"] in locations)
        ]

    return {
        "__typename": "InventoryAdjustmentGroup",
        "id": gid("InventoryAdjustmentGroup", group_id),
        "createdAt": iso(ctx.now),
        "reason": data["reason"],
        "referenceDocumentUri": data.get("referenceDocumentUri"),
        "changes": changes,
    }


def set_quantities(
    ctx: ExecContext, info: GraphQLResolveInfo, input: dict[str, Any], **_: Any
) -> dict[str, Any]:
    key = idempotency_key(info)
    if any("changeFromQuantity" not in row for row in input["quantities"]):
        raise TopLevelError(
            "InventoryQuantityInput must include the following argument: changeFromQuantity.",
            "INVALID_FIELD_ARGUMENTS",
        )
    fingerprint = json.dumps(input, sort_keys=True, default=str)
    state = ctx.state
    previous = state.idempotency.get(key)
    if previous is not None:
        if previous.fingerprint == fingerprint:
            return previous.payload
        if previous.failed:
            message, code = (
                "A previous request with this idempotency key failed. Retry with a"
                " new idempotency key.",
                "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
            )
        else:
            message, code = (
                "The same idempotency key cannot be used with different operation parameters.",
                "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
            )
        return {"inventoryAdjustmentGroup": None, "userErrors": [user_error([], message, code)]}
    changes, errors = _check(state, input)
    group = None if errors else _apply(ctx, input, changes)
    payload = {"inventoryAdjustmentGroup": group, "userErrors": errors}
    state.idempotency[key] = IdempotentAnswer(fingerprint, payload, failed=bool(errors))
    return payload
