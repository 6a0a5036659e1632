"""One socket's queue: the hub puts events in without ever blocking, the socket's thread waits.

Bounded: a socket whose client reads too slowly fills its mailbox, which then asks to be closed
(`TOO_SLOW`) instead of growing or making the hub wait. The hub's thread only appends and
notifies, so one slow or dead client never delays another.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from app.realtime.events import Event
from app.realtime.protocol import CloseCode


@dataclass(frozen=True)
class CloseRequest:
    code: CloseCode
    reason: str


@dataclass
class Delivery:
    """What a wait returns: events in arrival order (each with its frame's bytes), whether to
    re-check for a gap, a close."""

    events: list[tuple[Event, bytes]] = field(default_factory=list)
    resync: bool = False
    close: CloseRequest | None = None


class Mailbox:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a mailbox holds at least one event, not {capacity}")
        self.capacity = capacity
        self.shop_id: int | None = None
        self._condition = threading.Condition()
        self._events: deque[tuple[Event, bytes]] = deque()
        self._close: CloseRequest | None = None
        self._resync = False
        self._woken = False

    def put(self, event: Event, frame: bytes) -> bool:
        """Queue one event (with its frame); False when the mailbox overflowed."""
        with self._condition:
            if self._close is not None:
                return self._close.code != CloseCode.TOO_SLOW
            if len(self._events) >= self.capacity:
                self._close = CloseRequest(
                    CloseCode.TOO_SLOW, f"more than {self.capacity} events behind"
                )
                self._condition.notify()
                return False
            self._events.append((event, frame))
            self._condition.notify()
            return True

    def close(self, code: CloseCode, reason: str) -> None:
        with self._condition:
            if self._close is None:
                self._close = CloseRequest(code, reason)
            self._condition.notify()

    def resync(self) -> None:
        """Ask the socket to compare its last seq with the stream (events may have been missed)."""
        with self._condition:
            self._resync = True
            self._condition.notify()

    def wake(self) -> None:
        """Wake the waiting thread with nothing new (its client sent something or left)."""
        with self._condition:
            self._woken = True
            self._condition.notify()

    def wait(self, timeout: float) -> Delivery:
        """Everything queued, waiting up to `timeout` seconds for something to happen."""
        with self._condition:
            if not (self._events or self._close or self._resync or self._woken):
                self._condition.wait(max(0.0, timeout))
            delivery = Delivery(list(self._events), self._resync, self._close)
            self._events.clear()
            self._resync = self._woken = False
            return delivery


class WakeEvent(threading.Event):
    """A threading.Event that also wakes a mailbox: simple-websocket's reader thread sets its
    event when a message or a close arrives, so the socket's thread waits on one thing only."""

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__()
        self._mailbox = mailbox

    def set(self) -> None:
        super().set()
        self._mailbox.wake()
