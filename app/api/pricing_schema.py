"""JSON schemas of the pricing routes, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

MONEY: dict[str, Any] = {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}
DECIMAL: dict[str, Any] = {"type": ["string", "number"]}

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "currency": {"type": ["string", "null"]},
        "markup_percent": {"type": "string"},
        "fixed_addon": MONEY,
        "rounding": {"enum": ["none", "99", "95", "whole"]},
        "compare_at_from_list_price": {"type": "boolean"},
        "min_margin_percent": {"type": "string"},
        "auto_push_tolerance_percent": {"type": ["string", "null"]},
        "out_of_stock_action": {"enum": ["none", "zero_inventory"]},
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
        "markup_percent": DECIMAL,
        "fixed_addon": DECIMAL,
        "rounding": {"enum": ["none", "99", "95", "whole"]},
        "compare_at_from_list_price": {"type": "boolean"},
        "min_margin_percent": DECIMAL,
        "auto_push_tolerance_percent": {"type": ["string", "number", "null"]},
        "out_of_stock_action": {"enum": ["none", "zero_inventory"]},
    },
}

PRODUCT_PATCH_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "markup_override_percent": {"type": ["string", "number", "null"]},
        "paused": {"type": "boolean"},
    },
}

CHANGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "product_id", "state", "proposed_price"],
    "properties": {
        "id": {"type": "integer"},
        "product_id": {"type": "integer"},
        "state": {
            "enum": ["proposed", "approved", "pushing", "pushed", "failed", "held", "superseded"]
        },
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
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "product_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 5000},
        "filter": {
            "type": "object",
            "properties": {
                "state": {"type": "array", "items": {"enum": ["proposed", "failed"]}},
            },
        },
    },
}

BULK_PUSH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["approved", "skipped"],
    "properties": {
        "approved": {"type": "array", "items": CHANGE_SCHEMA},
        "skipped": {"type": "array", "items": {"type": "object"}},
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
