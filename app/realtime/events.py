"""Live events for the dashboard, per shop: a numbered, bounded log plus a pub/sub nudge.

`publish_event` gives each event the shop's next sequence number, appends it to a capped
Redis stream (so a client that reconnects can ask for what it missed) and publishes it on the
shop's channel (so every web process can fan it out to its sockets at once). Call it after
the commit that made the event true: PostgreSQL is the record, the event only reports it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from redis import Redis

from app.broker import current_broker
from app.models.types import utcnow

EVENT_TYPES: Final = frozenset({"observation", "price_change", "push", "error", "product"})
STREAM_LENGTH: Final = 10_000
# seq, stream append and publish happen atomically, so sequence order equals stream order.
_PUBLISH = """
local seq = redis.call('incr', KEYS[1])
local event = cjson.decode(ARGV[1])
event['seq'] = seq
local encoded = cjson.encode(event)
redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-1', 'event', encoded)
redis.call('publish', KEYS[3], encoded)
return seq
"""


def channel(shop_id: int) -> str:
    return f"pricebridge:shop:{shop_id}:events"


def _keys(shop_id: int) -> tuple[str, str, str]:
    prefix = f"pricebridge:shop:{shop_id}"
    return f"{prefix}:seq", f"{prefix}:stream", channel(shop_id)


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    shop_id: int
    at: str
    data: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "at": self.at, "data": dict(self.data)}


def publish_event(
    shop_id: int,
    type: str,
    data: Mapping[str, Any],
    *,
    redis: Redis | None = None,
    now: datetime | None = None,
) -> int:
    payload = _payload(shop_id, type, data, now or utcnow())
    client = redis or current_broker().redis
    seq = client.eval(_PUBLISH, 3, *_keys(shop_id), payload, STREAM_LENGTH)
    return int(seq)


def publish_events(
    shop_id: int,
    events: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    redis: Redis | None = None,
    now: datetime | None = None,
) -> list[int]:
    """`publish_event` for many (type, data) of one shop in one round trip; their seqs.

    Each event is still its own atomic script call, so the per-shop numbering, stream order
    and publish order are exactly those of calling `publish_event` once per event in order.
    """
    at = now or utcnow()
    payloads = [_payload(shop_id, type, data, at) for type, data in events]
    if not payloads:
        return []
    client = redis or current_broker().redis
    keys = _keys(shop_id)
    pipeline = client.pipeline(transaction=False)
    for payload in payloads:
        pipeline.eval(_PUBLISH, 3, *keys, payload, STREAM_LENGTH)
    return [int(seq) for seq in pipeline.execute()]


def _payload(shop_id: int, type: str, data: Mapping[str, Any], at: datetime) -> str:
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}; one of {sorted(EVENT_TYPES)}")
    body = {"type": type, "shop_id": shop_id, "at": at.isoformat(), "data": data}
    return json.dumps(body, default=str)


def events_after(
    shop_id: int, after: int, *, limit: int = 500, redis: Redis | None = None
) -> list[Event]:
    """Events with seq > after, oldest first (at most `limit`)."""
    client = redis or current_broker().redis
    _, stream, _ = _keys(shop_id)
    entries = client.xrange(stream, min=f"({after}-1", max="+", count=limit) or []
    events = []
    for _id, fields in entries:
        assert fields is not None  # XRANGE entries always carry their fields
        raw = json.loads(fields[b"event"])
        events.append(
            Event(
                seq=int(raw["seq"]),
                type=raw["type"],
                shop_id=int(raw["shop_id"]),
                at=raw["at"],
                data=raw["data"],
            )
        )
    return events
