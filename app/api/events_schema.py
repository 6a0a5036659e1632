"""The live events' JSON, as /ws sends them and GET /api/events replays them: one schema per
event type (`data` typed for each), the socket's own messages, and its close codes.

Each payload schema is closed (`additionalProperties: false`), so a publisher that adds a
field without documenting it fails tests/integration/realtime/test_event_schemas.py, which
validates every event real flows publish.
"""

from __future__ import annotations

from typing import Any, Final

from app.models.link_import import LINK_IMPORT_STATES
from app.models.price_change import CHANGE_STATES
from app.models.product import AVAILABILITIES
from app.realtime.events import EVENT_TYPES
from app.realtime.protocol import CloseCode

_INT: Final[dict[str, Any]] = {"type": "integer"}
_IDS: Final[dict[str, Any]] = {"type": "array", "items": {"type": "integer"}}
_TEXT: Final[dict[str, Any]] = {"type": ["string", "null"]}
_MONEY: Final[dict[str, Any]] = {
    "type": ["string", "null"],
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "a decimal string in the currency named beside it",
}
_TIME: Final[dict[str, Any]] = {"type": ["string", "null"], "format": "date-time"}
_DATE: Final[dict[str, Any]] = {"type": ["string", "null"], "format": "date"}


def _closed(description: str, **properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "required": sorted(properties),
        "properties": properties,
        "additionalProperties": False,
    }


def _with_optional(schema: dict[str, Any], **optional: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "properties": {**schema["properties"], **optional}}


EVENT_DATA_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "observation": _closed(
        "A poll of Amazon was stored (app.ingest.record.observation_event); a quarantined"
        " one carries no price and says why.",
        product_id=_INT,
        observation_id=_INT,
        observed_at={"type": "string", "format": "date-time"},
        price=_MONEY,
        currency=_TEXT,
        availability={"type": "string", "enum": list(AVAILABILITIES)},
        delivery_earliest=_DATE,
        delivery_latest=_DATE,
        quarantined={"type": "boolean"},
        quarantine_reason=_TEXT,
    ),
    "price_change": _closed(
        "A price change was proposed or moved state (app.price_changes.ledger.change_json,"
        " with who moved it and from what state).",
        id=_INT,
        product_id=_INT,
        observation_id={"type": ["integer", "null"]},
        state={"type": "string", "enum": list(CHANGE_STATES)},
        from_state={"type": ["string", "null"], "enum": [*CHANGE_STATES, None]},
        actor={"type": "string", "description": "a Shopify user id, or auto"},
        proposed_price=_MONEY,
        compare_at_price=_MONEY,
        previous_price=_MONEY,
        confirmed_price=_MONEY,
        currency={"type": "string"},
        held_reason=_TEXT,
        held_message=_TEXT,
        approved_by=_TEXT,
        rejected_by=_TEXT,
        attempts=_INT,
        error=_TEXT,
        idempotency_key={"type": "string"},
        rule={"type": "object", "description": "the pricing rules the quote came from"},
        created_at=_TIME,
        updated_at=_TIME,
    ),
    "push": _closed(
        "PriceBridge wrote one Shopify product's variant prices (app.push.push): the price"
        " changes Shopify confirmed, refused, or left to be read back (retrying).",
        shopify_product_gid={"type": "string"},
        product_ids=_IDS,
        pushed=_IDS,
        failed=_IDS,
        retrying=_IDS,
    ),
    "error": _with_optional(
        _closed(
            "Something needs the merchant's attention; `code` is stable (provider_needs_"
            "attention, budget_exhausted, shopify_auth, shopify_unavailable, shopify_refused,"
            " and the stock actions' codes), `message` is for people.",
            code={"type": "string"},
            message={"type": "string"},
            product_ids=_IDS,
        ),
        price_change_ids=_IDS,
    ),
    "product": _with_optional(
        _closed(
            "A product changed outside a poll; `drift`: Shopify's price is not the one last"
            " confirmed (app.push.reconcile).",
            product_id=_INT,
        ),
        drift=_closed(
            "expected: the price last confirmed; shopify: the one Shopify holds",
            expected={"type": "string"},
            shopify={"type": "string"},
        ),
    ),
    "usage": _closed(
        "The monthly budget of Oxylabs results after a transaction that counted some"
        " (app.ingest.budget.usage_event).",
        month={"type": "string", "format": "date", "description": "the month's first day"},
        used=_INT,
        budget=_INT,
        remaining=_INT,
    ),
    "import": _closed(
        "Where a CSV import of links stands (app.ingest.link_import.import_event).",
        import_id=_INT,
        state={"type": "string", "enum": list(LINK_IMPORT_STATES)},
        row_count=_INT,
        checked=_INT,
        imported=_INT,
        error_count=_INT,
    ),
}
assert set(EVENT_DATA_SCHEMAS) == EVENT_TYPES, "every event type is documented"


def _component(kind: str) -> str:
    return "Event" + "".join(part.title() for part in kind.split("_"))


def event_schema(kind: str, *, with_shop: bool) -> dict[str, Any]:
    """One event as the socket sends it (`with_shop`: it names the shop too) or as
    /api/events replays it."""
    properties: dict[str, Any] = {
        "type": {"const": kind},
        "seq": {"type": "integer", "minimum": 1, "description": "the shop's sequence number"},
        "at": {"type": "string", "format": "date-time", "description": "when it was published"},
        "data": EVENT_DATA_SCHEMAS[kind],
    }
    if with_shop:
        properties["shop_id"] = {"type": "integer"}
    return {
        "type": "object",
        "required": sorted(properties),
        "properties": properties,
        "additionalProperties": False,
    }


def any_event(*, with_shop: bool) -> dict[str, Any]:
    """Any event: exactly one of the types matches (each names its `type` as a const)."""
    return {"oneOf": [event_schema(kind, with_shop=with_shop) for kind in sorted(EVENT_TYPES)]}


WS_AUTH: Final[dict[str, Any]] = _closed(
    "The client's first message: the App Bridge session token (never in the URL).",
    type={"const": "auth"},
    token={"type": "string"},
)
WS_READY: Final[dict[str, Any]] = _closed(
    "The server's answer to auth: the shop's current sequence number (ask GET"
    " /api/events?after=<your last seq> for what came between).",
    type={"const": "ready"},
    seq={"type": "integer", "minimum": 0},
)
WS_SERVER_MESSAGE: Final[dict[str, Any]] = {"oneOf": [WS_READY, any_event(with_shop=True)]}


def components() -> dict[str, Any]:
    """components.schemas entries: Event<Type> for each event type, Event, and Ws*."""
    schemas: dict[str, Any] = {
        _component(kind): event_schema(kind, with_shop=False) for kind in sorted(EVENT_TYPES)
    }
    schemas["Event"] = any_event(with_shop=False)
    schemas["WsAuth"] = WS_AUTH
    schemas["WsReady"] = WS_READY
    schemas["WsServerMessage"] = WS_SERVER_MESSAGE
    return schemas


def websocket_document() -> dict[str, Any]:
    """The `x-websocket` extension describing /ws (OpenAPI has no websocket object)."""
    return {
        "path": "/ws",
        "client_messages": WS_AUTH,
        "server_messages": WS_SERVER_MESSAGE,
        "close_codes": {str(int(code)): code.name.lower() for code in CloseCode},
    }
