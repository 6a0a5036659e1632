"""Websocket peers for the tests, over real sockets: a well-behaved client and a raw one.

`open_client` is simple-websocket's client (it answers pings in its own thread, as a browser
does). `RawPeer` does the handshake with wsproto and then reads only when told to, so it can
play a client that stops reading or a peer that never answers a ping.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from simple_websocket import Client, ConnectionClosed
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Request,
    TextMessage,
)

from tests.support import session_token


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/ws"


def auth_message(domain: str) -> str:
    return json.dumps({"type": "auth", "token": session_token(domain, now=time.time())})


def open_client(base: str, domain: str) -> tuple[Client, dict[str, Any]]:
    """A connected, authenticated client and its `ready` message."""
    client = Client.connect(ws_url(base))
    client.send(auth_message(domain))
    raw = client.receive(timeout=5)
    assert raw is not None, "no ready message"
    ready = json.loads(raw)
    assert ready["type"] == "ready", ready
    return client, ready


def receive_json(client: Client, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    messages = []
    deadline = time.monotonic() + timeout
    while len(messages) < count:
        raw = client.receive(timeout=max(0.01, deadline - time.monotonic()))
        if raw is None:
            break
        messages.append(json.loads(raw))
    return messages


def close_code(client: Client, timeout: float = 5) -> int | None:
    """Read until the server closes; its close code (None if it stays open)."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            client.receive(timeout=0.05)
    except ConnectionClosed as closed:
        return int(closed.reason)
    return None


class RawPeer:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(
            self.ws.send(Request(host=f"{parts.hostname}:{parts.port}", target="/ws"))
        )
        assert isinstance(self._next_event(), AcceptConnection)

    def send_text(self, text: str) -> None:
        self.sock.sendall(self.ws.send(TextMessage(data=text)))

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(self.ws.send(BytesMessage(data=data)))

    def shrink_receive_buffer(self) -> None:
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

    def next_text(self) -> str:
        event = self._next_event()
        assert isinstance(event, TextMessage), event
        return event.data

    def close_code(self, timeout: float = 10) -> int | None:
        """Read (skipping data) until a close frame: its code; None if the TCP stream ended."""
        self.sock.settimeout(timeout)
        while True:
            event = self._next_event()
            if event is None:
                return None
            if isinstance(event, CloseConnection):
                return int(event.code)

    def _next_event(self) -> Any:
        while True:
            for event in self.ws.events():
                return event
            data = self.sock.recv(65536)
            if not data:
                return None
            self.ws.receive_data(data)

    def close(self) -> None:
        self.sock.close()
