"""The hub's feeds: Redis pub/sub (one subscriber thread per process) and its in-memory twin.

`RedisFeed` pattern-subscribes to every shop's event channel and to the control channel, and
hands each message to the hub. When Redis goes away it reconnects with exponential backoff
(0.25 s doubling to 15 s); once subscribed again it asks every socket to resync, so events
published while the feed was deaf are read back from the shop's stream, none lost.

`MemoryFeed` numbers, keeps and dispatches events in memory, for unit tests of the hub and the
socket protocol without Redis.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from redis import Redis
from redis.exceptions import RedisError

from app.realtime import events as event_stream
from app.realtime.events import Event

if TYPE_CHECKING:
    from app.realtime.hub import Hub

log = logging.getLogger(__name__)
BACKOFF_FIRST: Final = 0.25
BACKOFF_MAX: Final = 15.0


def events_pattern(redis: Redis) -> str:
    return f"{event_stream.channel_prefix(redis)}:shop:*:events"


def control_channel(redis: Redis) -> str:
    return f"{event_stream.channel_prefix(redis)}:realtime:control"


def request_close(shop_id: int, redis: Redis) -> None:
    """Tell every web process to close `shop_id`'s sockets (after its uninstall is committed)."""
    redis.publish(control_channel(redis), json.dumps({"close_shop": shop_id}))


class RedisFeed:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.reconnects = 0

    def start(self, hub: Hub) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, args=(hub,), name="realtime-feed", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    def current_seq(self, shop_id: int) -> int:
        return event_stream.current_seq(shop_id, redis=self.redis)

    def events_after(self, shop_id: int, after: int, limit: int) -> list[Event]:
        return event_stream.events_after(shop_id, after, limit=limit, redis=self.redis)

    def _run(self, hub: Hub) -> None:
        delay = BACKOFF_FIRST
        while not self._stop.is_set():
            try:
                self._listen(hub)
            except (RedisError, OSError) as error:
                self.reconnects += 1
                log.warning("realtime feed lost Redis (%s); resubscribing in %.2f s", error, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, BACKOFF_MAX)
            except Exception:
                # The process's only subscriber must outlive a bug in one message's handling.
                self.reconnects += 1
                log.exception("realtime feed failed; resubscribing in %.2f s", delay)
                self._stop.wait(delay)
                delay = min(delay * 2, BACKOFF_MAX)
            else:
                delay = BACKOFF_FIRST

    def _listen(self, hub: Hub) -> None:
        pubsub = self.redis.pubsub()  # type: ignore[no-untyped-call]
        try:
            pubsub.psubscribe(events_pattern(self.redis))
            pubsub.subscribe(control_channel(self.redis))
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._handle(hub, message)
        finally:
            pubsub.close()

    def _handle(self, hub: Hub, message: Mapping[str, Any]) -> None:
        kind = message["type"]
        if kind == "pmessage":
            hub.dispatch(message["data"])
        elif kind == "message":
            hub.control(message["data"])
        elif kind == "psubscribe":
            # Subscribed (again): anything published before this moment reached no socket.
            hub.resync_all()


class MemoryFeed:
    """The in-memory twin: `publish` numbers and dispatches at once; `deaf` loses messages."""

    def __init__(self) -> None:
        self.hub: Hub | None = None
        self.deaf = False
        self._lock = threading.Lock()
        self._seq: dict[int, int] = {}
        self._events: dict[int, list[Event]] = {}

    def start(self, hub: Hub) -> None:
        self.hub = hub

    def stop(self) -> None:
        self.hub = None

    def publish(self, shop_id: int, type: str, data: Mapping[str, Any]) -> int:
        with self._lock:
            seq = self._seq[shop_id] = self._seq.get(shop_id, 0) + 1
            event = Event(seq=seq, type=type, shop_id=shop_id, at="2026-01-01T00:00:00", data=data)
            self._events.setdefault(shop_id, []).append(event)
        if self.hub is not None and not self.deaf:
            self.hub.dispatch(json.dumps({**event.to_json(), "shop_id": shop_id}))
        return seq

    def hear_again(self) -> None:
        """End a deaf spell as a resubscription does."""
        self.deaf = False
        if self.hub is not None:
            self.hub.resync_all()

    def current_seq(self, shop_id: int) -> int:
        with self._lock:
            return self._seq.get(shop_id, 0)

    def events_after(self, shop_id: int, after: int, limit: int) -> list[Event]:
        with self._lock:
            return [e for e in self._events.get(shop_id, []) if e.seq > after][:limit]
