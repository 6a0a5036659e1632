"""/api/events: catch-up for a dashboard that reconnects (what its socket missed)."""

from __future__ import annotations

from typing import Any, Final

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.events_schema import any_event
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.query import BIGINT_MAX, query_args, query_parameter, whole_number
from app.realtime.events import events_after, retention

PAGE: Final = 500

EVENTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["events", "seq", "has_more"],
    "properties": {
        "events": {"type": "array", "items": any_event(with_shop=False)},
        "seq": {"type": "integer", "description": "the shop's current sequence number"},
        "has_more": {"type": "boolean", "description": "ask again after the last event's seq"},
    },
}


@bp.get("/events")
@operation(
    summary="The shop's live events after a sequence number, oldest first (catch-up)",
    tags=["events"],
    parameters=[
        {
            "name": "after",
            "in": "query",
            "required": True,
            "description": "the last seq the client holds (0: from the start)",
            "schema": {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX},
        },
        query_parameter(
            "limit",
            f"1..{PAGE}, default {PAGE}",
            {"type": "integer", "minimum": 1, "maximum": PAGE},
        ),
    ],
    responses={200: EVENTS_SCHEMA, 410: ERROR_SCHEMA, 422: ERROR_SCHEMA},
)
@session_required
def list_events() -> ResponseReturnValue:
    args = query_args({"after", "limit"})
    if "after" not in args:
        raise ApiError(422, "invalid_after", "after is required: the last seq the client holds.")
    after = whole_number("after", args["after"], 0, BIGINT_MAX)
    limit = whole_number("limit", args["limit"], 1, PAGE) if "limit" in args else PAGE
    shop_id = current_session().shop.id
    held = retention(shop_id)
    events = [] if held.lost_after(after) else events_after(shop_id, after, limit=limit + 1)
    # The stream may have been trimmed between the two reads: the next event must be after+1.
    if after < held.current and (not events or events[0].seq != after + 1):
        raise ApiError(
            410,
            "events_expired",
            "Events after this point are no longer held; reload the page's data.",
            {"action": "reload", "after": after, "oldest_held": held.oldest, "seq": held.current},
        )
    if after > held.current:
        raise ApiError(
            410,
            "events_expired",
            "The event numbering restarted; reload the page's data.",
            {"action": "reload", "after": after, "oldest_held": held.oldest, "seq": held.current},
        )
    page = events[:limit]
    return jsonify(
        events=[event.to_json() for event in page],
        seq=held.current,
        has_more=len(events) > limit,
    )
