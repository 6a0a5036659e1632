"""JSON schemas of the pricing routes, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from app.ingest.cadence import MAX_MONTHLY_BUDGET
from app.models.price_change import CHANGE_STATES
from app.models.shop import POLLING_TIERS
from app.price_changes.readiness import REASONS

MONEY: dict[str, Any] = {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}


def decimal_schema(whole_digits: int, decimals: int, maximum: int | None = None) -> dict[str, Any]:
    """A decimal setting as app.price_changes.settings accepts it: a plain decimal string (no
    sign, no exponent) that its NUMERIC column stores exactly, or a whole JSON number; at most
    `maximum` when the pricing rules bound it (app.pricing.rules)."""
    if maximum is None:
        text = rf"^[0-9]{{1,{whole_digits}}}(\.[0-9]{{1,{decimals}}})?$"
        top = 10**whole_digits - 1
    else:
        below = rf"[0-9]{{1,{len(str(maximum)) - 1}}}(\.[0-9]{{1,{decimals}}})?"
        text = rf"^({below}|{maximum}(\.0{{1,{decimals}}})?)$"
        top = maximum
    return {
        "oneOf": [
            {"type": "string", "pattern": text},
            {"type": "integer", "minimum": 0, "maximum": top},
        ]
    }


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [*schema["oneOf"], {"type": "null"}]}


# NUMERIC(7,2) percentages and NUMERIC(12,2) money (app.models.types).
PERCENT_1000 = decimal_schema(5, 2, maximum=1000)
PERCENT_100 = decimal_schema(5, 2, maximum=100)
AMOUNT = decimal_schema(10, 2)
BULK_STATES = ("proposed", "failed")

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "currency": {"type": ["string", "null"]},
        "markup_percent": {"type": "string"},
        "fixed_addon": MONEY,
        "rounding": {"enum": ["none", "99", "95", "whole"]},
        "compare_at_from_list_price": {"type": "boolean"},
        "cost_basis": {
            "enum": ["landed_cost", "item_price"],
            "description": "markup on item + shipping (default) or the item alone; "
            "the margin floor always uses item + shipping",
        },
        "min_margin_percent": {"type": "string"},
        "auto_push_tolerance_percent": {"type": ["string", "null"]},
        "out_of_stock_action": {"enum": ["none", "zero_inventory"]},
        "polling_tier": {
            "enum": list(POLLING_TIERS),
            "description": "the tier of products linked without one (hot 15 min, normal 1 h, "
            "cold 6 h, before the policy adapts it); products on the shop's tier follow it",
        },
        "oxylabs_monthly_budget": {
            "type": "integer",
            "description": "Oxylabs results a month in force (the shop's own or the default)",
        },
        "oxylabs_monthly_budget_default": {"type": "integer"},
        "oxylabs_monthly_budget_is_default": {"type": "boolean"},
        "preview": {"type": "boolean"},
        "repricing": {
            "enum": ["done", "queued"],
            "description": "done: repriced in the request; queued: a job reprices the shop",
        },
        "settings": {"type": "object"},
        "changes": {"type": "array", "items": {"type": "object"}},
    },
}
PREVIEW_SCHEMA = SETTINGS_SCHEMA

SETTINGS_PATCH_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "markup_percent": PERCENT_1000,
        "fixed_addon": AMOUNT,
        "rounding": {"enum": ["none", "99", "95", "whole"]},
        "compare_at_from_list_price": {"type": "boolean"},
        "cost_basis": {
            "enum": ["landed_cost", "item_price"],
            "description": "markup on item + shipping (default) or the item alone; "
            "the margin floor always uses item + shipping",
        },
        "min_margin_percent": PERCENT_1000,
        "auto_push_tolerance_percent": nullable(PERCENT_100),
        "out_of_stock_action": {"enum": ["none", "zero_inventory"]},
        "polling_tier": {"enum": list(POLLING_TIERS)},
        "oxylabs_monthly_budget": {
            "oneOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_MONTHLY_BUDGET},
                {"type": "null"},
            ],
            "description": "results a month; null: the app's default (OXYLABS_MONTHLY_BUDGET)",
        },
    },
}

PRODUCT_PATCH_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "markup_override_percent": nullable(PERCENT_1000),
        "paused": {"type": "boolean"},
    },
}

CHANGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "product_id", "state", "proposed_price"],
    "properties": {
        "id": {"type": "integer"},
        "product_id": {"type": "integer"},
        "state": {"enum": list(CHANGE_STATES)},
        "approved_by": {"type": ["string", "null"]},
        "rejected_by": {"type": ["string", "null"]},
        "proposed_price": MONEY,
        "compare_at_price": MONEY,
        "confirmed_price": MONEY,
        "held_reason": {"type": ["string", "null"]},
        "held_message": {"type": ["string", "null"]},
        "idempotency_key": {"type": "string"},
        "attempts": {"type": "integer"},
        "error": {"type": ["string", "null"]},
    },
}

BULK_PUSH_REQUEST: dict[str, Any] = {
    "description": "Exactly one of product_ids and filter.",
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["product_ids"],
            "properties": {
                "product_ids": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                    "minItems": 1,
                    "maxItems": 5000,
                },
            },
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["filter"],
            "properties": {
                "filter": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "state": {
                            "type": "array",
                            "items": {"enum": list(BULK_STATES)},
                            "minItems": 1,
                        },
                    },
                },
            },
        },
    ],
}

# Why "Update Shopify" left a product alone (app.price_changes.readiness.Skip).
SKIP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["product_id", "reason", "message"],
    "properties": {
        "product_id": {"type": "integer"},
        "change_id": {"type": ["integer", "null"]},
        "reason": {"enum": list(REASONS)},
        "held_reason": {"type": ["string", "null"]},
        "message": {"type": "string"},
    },
}

BULK_PUSH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["approved", "skipped"],
    "description": "By product_ids: every id is in exactly one of the two lists.",
    "properties": {
        "approved": {"type": "array", "items": CHANGE_SCHEMA},
        "skipped": {"type": "array", "items": SKIP_SCHEMA},
    },
}

_CHANGE_BRIEF: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "id": {"type": "integer"},
        "state": CHANGE_SCHEMA["properties"]["state"],
        "proposed_price": MONEY,
        "compare_at_price": MONEY,
        "confirmed_price": MONEY,
        "held_reason": {"type": ["string", "null"]},
        "held_message": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"]},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

# What every product answer says about its price (app.price_changes.summary).
PRICING_SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["proposed_price", "shopify_price", "change_state", "change"],
    "properties": {
        "proposed_price": MONEY,
        "shopify_price": MONEY,
        "change_state": {"type": ["string", "null"]},
        "change": _CHANGE_BRIEF,
        "manual_override": {
            "type": ["object", "null"],
            "properties": {"at": {"type": "string"}, "price": MONEY},
        },
        "price_hold": {
            "type": ["object", "null"],
            "properties": {"reason": {"type": "string"}, "message": {"type": ["string", "null"]}},
        },
        "price_drift_at": {"type": ["string", "null"], "format": "date-time"},
        "markup_override_percent": {"type": ["string", "null"]},
        "paused": {"type": "boolean"},
        "stock_set_aside": {"type": "boolean"},
    },
}

PRODUCT_PRICING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "pricing"],
    "properties": {"id": {"type": "integer"}, "pricing": PRICING_SUMMARY_SCHEMA},
}

TRANSITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["from", "to", "actor", "at"],
    "properties": {
        "from": {"type": ["string", "null"], "description": "null for the change's creation"},
        "to": {"type": "string"},
        "actor": {"type": "string", "description": "the Shopify user id, or auto"},
        "at": {"type": "string", "format": "date-time"},
        "detail": {"type": ["object", "null"]},
    },
}

CHANGE_WITH_TRANSITIONS_SCHEMA: dict[str, Any] = {
    **CHANGE_SCHEMA,
    "required": [*CHANGE_SCHEMA["required"], "transitions"],
    "properties": {
        **CHANGE_SCHEMA["properties"],
        "transitions": {"type": "array", "items": TRANSITION_SCHEMA},
    },
}

CHANGE_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": CHANGE_WITH_TRANSITIONS_SCHEMA},
        "next_cursor": {"type": ["string", "null"]},
    },
}
