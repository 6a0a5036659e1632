"""One authenticated socket's life: deliver its shop's events in order, ping, and close.

The socket's thread is the only writer of data and pings, and it writes with a send timeout, so
a client that stops reading costs one thread for at most REALTIME_SEND_TIMEOUT and is then
dropped. It waits on its mailbox alone: the hub puts events there, and simple-websocket's
reader thread wakes it (through `WakeEvent`) when the client sends something or goes away.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import time
from dataclasses import dataclass

from simple_websocket import Server
from wsproto.events import CloseConnection, Ping

from app.realtime.events import Event
from app.realtime.hub import Hub
from app.realtime.mailbox import Delivery, Mailbox, WakeEvent
from app.realtime.protocol import (
    PONG_MESSAGE,
    CloseCode,
    ProtocolError,
    parse_client_message,
    text_frame,
)

log = logging.getLogger(__name__)
GAP_PAGE = 500


class Dropped(Exception):
    """The peer cannot be written to (send timed out or the socket broke)."""


@dataclass
class Connection:
    ws: Server
    hub: Hub
    mailbox: Mailbox
    shop_id: int
    last_seq: int
    ping_seconds: float
    send_timeout: float

    def run(self) -> None:
        """Serve until the client leaves, is dropped, or the hub asks for a close."""
        set_send_timeout(self.ws.sock, self.send_timeout)
        self.ws.event = WakeEvent(self.mailbox)
        self.mailbox.wake()  # a message may have arrived before the swap
        next_ping = time.monotonic() + self.ping_seconds
        try:
            while self.ws.connected:
                delivery = self.mailbox.wait(next_ping - time.monotonic())
                if not self._serve(delivery):
                    return
                if time.monotonic() >= next_ping:
                    if not self.ws.pong_received:
                        log.info("realtime: dropping a peer that missed a ping")
                        self._drop()
                        return
                    self.ws.pong_received = False
                    self._write(self.ws.ws.send(Ping()))
                    next_ping = time.monotonic() + self.ping_seconds
        except Dropped:
            self._drop()

    def _serve(self, delivery: Delivery) -> bool:
        if delivery.close is not None:
            self.close(delivery.close.code, delivery.close.reason)
            return False
        if not self._answer_client():
            return False
        for event, frame in delivery.events:
            self._deliver(event, frame)
        if delivery.resync:
            current = self.hub.feed.current_seq(self.shop_id)
            if current > self.last_seq:
                self._fill_gap(current)
        return bool(self.ws.connected)

    def _answer_client(self) -> bool:
        while self.ws.input_buffer:
            raw = self.ws.input_buffer.pop(0)
            try:
                message = parse_client_message(raw)
                if message.type != "ping":
                    raise ProtocolError(CloseCode.POLICY, "already authenticated")
            except ProtocolError as error:
                self.close(error.code, error.reason)
                return False
            self._send_text(PONG_MESSAGE)
        return True

    def _deliver(self, event: Event, frame: bytes) -> None:
        if event.seq <= self.last_seq:
            return  # already sent (the ready seq covered it, or a gap fill did)
        if event.seq > self.last_seq + 1:
            self._fill_gap(event.seq - 1)
        self._write(frame)
        self.last_seq = event.seq

    def _fill_gap(self, upto: int) -> None:
        """Send the events after last_seq up to `upto` from the shop's stream."""
        while self.last_seq < upto:
            missed = self.hub.feed.events_after(self.shop_id, self.last_seq, GAP_PAGE)
            missed = [e for e in missed if e.seq <= upto]
            if not missed:
                # Trimmed away: the client must reload; tell it by closing (it reconnects and
                # /api/events answers 410).
                log.warning("realtime: events %d..%d are no longer held", self.last_seq, upto)
                self.close(CloseCode.TOO_SLOW, "events were missed and are no longer held")
                raise Dropped
            for event in missed:
                self._send_text(wire(event))
                self.last_seq = event.seq

    def _send_text(self, text: str) -> None:
        self._write(text_frame(text))

    def _write(self, data: bytes) -> None:
        try:
            self.ws.sock.sendall(data)
        except OSError as error:
            raise Dropped(str(error)) from None

    def close(self, code: CloseCode, reason: str) -> None:
        if not self.ws.connected:
            return
        try:
            self.ws.sock.sendall(self.ws.ws.send(CloseConnection(int(code), reason)))
        except OSError:
            self._drop()
            return
        self.ws.connected = False
        self.ws.close_reason = int(code)

    def _drop(self) -> None:
        """Cut the TCP connection (no close handshake): this also ends the reader thread."""
        self.ws.connected = False
        cut(self.ws.sock)


def cut(sock: socket.socket) -> None:
    # Already gone (EBADF, ENOTCONN) is fine: the point was only to stop both directions.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def wire(event: Event) -> str:
    return json.dumps({**event.to_json(), "shop_id": event.shop_id})


def set_send_timeout(sock: socket.socket, seconds: float) -> None:
    """SO_SNDTIMEO on a blocking socket: sends give up after `seconds`, receives are untouched
    (a Python-level timeout would make simple-websocket's blocking reads time out too)."""
    whole = int(seconds)
    sock.setsockopt(
        socket.SOL_SOCKET,
        socket.SO_SNDTIMEO,
        struct.pack("ll", whole, int((seconds - whole) * 1_000_000)),
    )
