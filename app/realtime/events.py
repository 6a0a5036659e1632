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
from typing import Any, Final, Literal, get_args

from redis import Redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db

# What the dashboard hears; each kind's payload is described in the OpenAPI document
# (components.schemas.Event*). `import` reports a CSV import job's progress.
EventKind = Literal["observation", "price_change", "push", "error", "product", "usage", "import"]
"""What an event reports (the dashboard dispatches on it; the JSON field is "type")."""
EVENT_TYPES: Final = frozenset(get_args(EventKind))
STREAM_LENGTH: Final = 10_000
# seq, stream append and publish happen atomically, so sequence order equals stream order.
# The seq is spliced in front of the JSON object as Python encoded it: a cjson decode and
# encode would turn every empty list into {} (Lua has one table type) and long numbers into
# floats.
_PUBLISH = """
local seq = redis.call('incr', KEYS[1])
local encoded = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-1', 'event', encoded)
redis.call('publish', KEYS[3], encoded)
return seq
"""


def channel_prefix(redis: Redis) -> str:
    """Pub/sub channels are server-wide, not per database: the database number goes in the
    name, so apps (or test sessions) on other databases of one server never hear each other."""
    return f"pricebridge:db{redis.connection_pool.connection_kwargs.get('db', 0)}"


def channel(shop_id: int, redis: Redis) -> str:
    return f"{channel_prefix(redis)}:shop:{shop_id}:events"


def _keys(shop_id: int, redis: Redis) -> tuple[str, str, str]:
    prefix = f"pricebridge:shop:{shop_id}"
    return f"{prefix}:seq", f"{prefix}:stream", channel(shop_id, redis)


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
    kind: EventKind,
    data: Mapping[str, Any],
    *,
    redis: Redis | None = None,
    now: datetime | None = None,
) -> int:
    payload = _payload(shop_id, kind, data, now or utcnow())
    client = redis or current_broker().redis
    seq = client.eval(_PUBLISH, 3, *_keys(shop_id, client), payload, STREAM_LENGTH)
    return int(seq)


def publish_events(
    shop_id: int,
    events: Sequence[tuple[EventKind, Mapping[str, Any]]],
    *,
    redis: Redis | None = None,
    now: datetime | None = None,
) -> list[int]:
    """`publish_event` for many (kind, data) of one shop in one round trip; their seqs.

    Each event is still its own atomic script call, so the per-shop numbering, stream order
    and publish order are exactly those of calling `publish_event` once per event in order.
    """
    at = now or utcnow()
    payloads = [_payload(shop_id, kind, data, at) for kind, data in events]
    if not payloads:
        return []
    client = redis or current_broker().redis
    keys = _keys(shop_id, client)
    pipeline = client.pipeline(transaction=False)
    for payload in payloads:
        pipeline.eval(_PUBLISH, 3, *keys, payload, STREAM_LENGTH)
    return [int(seq) for seq in pipeline.execute()]


def _payload(shop_id: int, kind: EventKind, data: Mapping[str, Any], at: datetime) -> str:
    # Checked at run time too: the kind may come from outside the type checker's sight.
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown event type {kind!r}; one of {sorted(EVENT_TYPES)}")
    body = {"type": kind, "shop_id": shop_id, "at": at.isoformat(), "data": data}
    return json.dumps(body, default=str)


_AFTER_COMMIT: Final = "pricebridge.realtime.after_commit"


def publish_after_commit(
    shop_id: int, kind: EventKind, data: Mapping[str, Any], *, latest_only: bool = False
) -> None:
    """Publish once the session's current transaction commits; nothing when it rolls back.

    Events of one commit go out in the order they were queued, one round trip per shop.
    `latest_only`: this event replaces one of the same shop and kind queued earlier in the
    transaction (a counter's last value is all the dashboard needs).
    """
    session = db.session()
    pending: dict[tuple[int, str, int], tuple[int, EventKind, Mapping[str, Any]]]
    pending = session.info.setdefault(_AFTER_COMMIT, {})
    key = (shop_id, kind, -1 if latest_only else len(pending))
    pending.pop(key, None)
    pending[key] = (shop_id, kind, data)
    if not event.contains(session, "after_commit", _publish_pending):
        event.listen(session, "after_commit", _publish_pending)
        event.listen(session, "after_rollback", _drop_pending)


def _publish_pending(session: Session) -> None:
    pending = session.info.pop(_AFTER_COMMIT, {})
    by_shop: dict[int, list[tuple[EventKind, Mapping[str, Any]]]] = {}
    for shop_id, kind, data in pending.values():
        by_shop.setdefault(shop_id, []).append((kind, data))
    for shop_id, events in by_shop.items():
        publish_events(shop_id, events)


def _drop_pending(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def events_after(
    shop_id: int, after: int, *, limit: int = 500, redis: Redis | None = None
) -> list[Event]:
    """Events with seq > after, oldest first (at most `limit`)."""
    client = redis or current_broker().redis
    _, stream, _ = _keys(shop_id, client)
    entries = client.xrange(stream, min=f"({after}-1", max="+", count=limit) or []
    events = []
    for _id, fields in entries:
        assert fields is not None  # XRANGE entries always carry their fields
        events.append(decode_event(fields[b"event"]))
    return events


def decode_event(raw: bytes | str) -> Event:
    """An event as `publish_event` encoded it; ValueError (or KeyError) when it is not one."""
    body = json.loads(raw)
    return Event(
        seq=int(body["seq"]),
        type=str(body["type"]),
        shop_id=int(body["shop_id"]),
        at=str(body["at"]),
        data=body["data"],
    )


@dataclass(frozen=True)
class Retention:
    """What a shop's stream holds: its current seq and the oldest seq still kept (0: none)."""

    current: int
    oldest: int

    def lost_after(self, after: int) -> bool:
        """True when events after `after` are no longer all held (the client must reload).

        Also true when `after` is ahead of the current seq: the numbering restarted (Redis lost
        its data), so the client's view cannot be continued.
        """
        if after > self.current:
            return True
        if after == self.current:
            return False
        return self.oldest == 0 or after < self.oldest - 1


def retention(shop_id: int, *, redis: Redis | None = None) -> Retention:
    client = redis or current_broker().redis
    seq_key, stream, _ = _keys(shop_id, client)
    pipeline = client.pipeline(transaction=True)
    pipeline.get(seq_key)
    pipeline.xrange(stream, min="-", max="+", count=1)
    current, first = pipeline.execute()
    oldest = int(first[0][0].split(b"-")[0]) if first else 0
    return Retention(current=int(current or 0), oldest=oldest)


def current_seq(shop_id: int, *, redis: Redis | None = None) -> int:
    client = redis or current_broker().redis
    return int(client.get(_keys(shop_id, client)[0]) or 0)
