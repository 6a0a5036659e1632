"""The web process's hub: one feed subscriber fanning each shop's events out to its sockets.

Model: CTFd's `CTFd/utils/events/` (one Redis listener per process putting each message into
per-client queues, reconnecting with backoff). Here the queues are bounded mailboxes, events go
only to the sockets of their shop, and capacity is counted so that a socket over the limit is
refused at once instead of taking a thread that plain HTTP needs.

Made in `create_app` (kept in `app.extensions`); the feed's thread starts with the first socket.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Protocol

from flask import Flask, current_app

from app.config import RealtimeSettings
from app.observability import metrics
from app.realtime.events import Event, decode_event
from app.realtime.mailbox import Mailbox
from app.realtime.protocol import CloseCode, text_frame

HUB_EXTENSION = "pricebridge.realtime_hub"
log = logging.getLogger(__name__)


class Feed(Protocol):
    """Where the hub's events come from, and the stream it fills gaps from."""

    def start(self, hub: Hub) -> None:
        """Begin calling hub.dispatch / hub.control / hub.resync_all (idempotent)."""

    def stop(self) -> None: ...

    def current_seq(self, shop_id: int) -> int: ...

    def events_after(self, shop_id: int, after: int, limit: int) -> list[Event]: ...


class Hub:
    def __init__(self, feed: Feed, settings: RealtimeSettings) -> None:
        self.feed = feed
        self.settings = settings
        self._lock = threading.Lock()
        self._mailboxes: set[Mailbox] = set()
        self._by_shop: dict[int, set[Mailbox]] = {}
        self._started = False

    @property
    def open_sockets(self) -> int:
        with self._lock:
            return len(self._mailboxes)

    def sockets_of(self, shop_id: int) -> int:
        with self._lock:
            return len(self._by_shop.get(shop_id, ()))

    def open(self) -> Mailbox | None:
        """A mailbox for a new socket, or None when this process holds its maximum."""
        with self._lock:
            if len(self._mailboxes) >= self.settings.max_sockets:
                return None
            mailbox = Mailbox(self.settings.queue_size)
            self._mailboxes.add(mailbox)
            metrics.WEBSOCKETS_OPEN.inc()
            start = not self._started
            self._started = True
        if start:
            self.feed.start(self)
        return mailbox

    def bind(self, mailbox: Mailbox, shop_id: int) -> None:
        """Deliver `shop_id`'s events to `mailbox` from now on."""
        with self._lock:
            if mailbox not in self._mailboxes:
                raise ValueError("bind() of a mailbox this hub did not open")
            mailbox.shop_id = shop_id
            self._by_shop.setdefault(shop_id, set()).add(mailbox)

    def release(self, mailbox: Mailbox) -> None:
        with self._lock:
            if mailbox in self._mailboxes:
                metrics.WEBSOCKETS_OPEN.dec()
            self._mailboxes.discard(mailbox)
            if mailbox.shop_id is not None:
                boxes = self._by_shop.get(mailbox.shop_id)
                if boxes is not None:
                    boxes.discard(mailbox)
                    if not boxes:
                        del self._by_shop[mailbox.shop_id]

    def dispatch(self, raw: bytes | str) -> int:
        """Fan one published event out to its shop's sockets; returns how many got it."""
        try:
            event = decode_event(raw)
        except (ValueError, KeyError, TypeError) as error:
            log.error("realtime: dropped a message that is not an event (%s): %.200r", error, raw)
            return 0
        boxes = self._boxes_of(event.shop_id)
        if boxes:
            frame = text_frame(raw.decode() if isinstance(raw, bytes) else raw)
            for mailbox in boxes:
                mailbox.put(event, frame)
        return len(boxes)

    def control(self, raw: bytes | str) -> None:
        """A control message from any process: {"close_shop": id} closes that shop's sockets."""
        try:
            body = json.loads(raw)
            shop_id = int(body["close_shop"])
        except (ValueError, KeyError, TypeError) as error:
            log.error("realtime: dropped a bad control message (%s): %.200r", error, raw)
            return
        self.close_shop(shop_id, CloseCode.SHOP_UNINSTALLED, "the shop uninstalled PriceBridge")

    def close_shop(self, shop_id: int, code: CloseCode, reason: str) -> int:
        boxes = self._boxes_of(shop_id)
        for mailbox in boxes:
            mailbox.close(code, reason)
        return len(boxes)

    def resync_all(self) -> None:
        """After the feed (re)subscribed: every socket checks the stream for what it missed."""
        with self._lock:
            boxes = list(self._mailboxes)
        for mailbox in boxes:
            mailbox.resync()

    def shutdown(self) -> None:
        with self._lock:
            boxes = list(self._mailboxes)
        for mailbox in boxes:
            mailbox.close(CloseCode.GOING_AWAY, "the server is restarting")
        self.feed.stop()

    def _boxes_of(self, shop_id: int) -> list[Mailbox]:
        with self._lock:
            return list(self._by_shop.get(shop_id, ()))


def init_app(app: Flask, hub: Hub) -> None:
    app.extensions[HUB_EXTENSION] = hub


def current_hub() -> Hub:
    hub = current_app.extensions[HUB_EXTENSION]
    assert isinstance(hub, Hub)
    return hub
