"""What travels over /ws: the client's messages, the server's, and the close codes.

Client → server (text frames, JSON objects):
    {"type": "auth", "token": "<session token>"}   first, within REALTIME_AUTH_SECONDS
    {"type": "ping"}                                 optional; answered {"type": "pong"}
Server → client:
    {"type": "ready", "seq": N}                      N: the shop's current sequence number
    {"type": <event type>, "seq": n, "at": ISO 8601, "data": {...}, "shop_id": id}
    {"type": "pong"}

After `ready`, events arrive in seq order with none missing and none repeated; events up to N
are the client's to fetch from `GET /api/events?after=<its last seq>`. Close codes follow
RFC 6455 section 7.4 where one fits, else the application range 4000-4999.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

MAX_TOKEN_LENGTH: Final = 8192


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001  # the web process is shutting down
    UNSUPPORTED = 1003  # a binary frame
    INVALID_DATA = 1007  # not JSON, or not an object
    POLICY = 1008  # no valid auth message in time, or a message the protocol does not know
    TOO_BIG = 1009  # a message above REALTIME_MAX_MESSAGE_BYTES (sent by simple-websocket)
    INTERNAL = 1011
    TRY_AGAIN_LATER = 1013  # this process holds its maximum of sockets
    SHOP_UNINSTALLED = 4001  # the shop uninstalled PriceBridge
    TOO_SLOW = 4002  # the client fell REALTIME_QUEUE_SIZE events behind


class ProtocolError(ValueError):
    """A client message the protocol refuses; `code` is the close code to answer with."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class ClientMessage:
    type: str
    token: str | None = None

    def __post_init__(self) -> None:
        if self.type not in ("auth", "ping"):
            raise ProtocolError(CloseCode.POLICY, f"unknown message type {self.type!r}")
        if self.type == "auth" and not (
            isinstance(self.token, str) and 0 < len(self.token) <= MAX_TOKEN_LENGTH
        ):
            raise ProtocolError(CloseCode.POLICY, "auth needs a session token string")


def parse_client_message(raw: str | bytes | None) -> ClientMessage:
    """A client frame as a ClientMessage; ProtocolError (with its close code) otherwise."""
    if raw is None:
        raise ProtocolError(CloseCode.POLICY, "no message")
    if isinstance(raw, bytes):
        raise ProtocolError(CloseCode.UNSUPPORTED, "binary frames are not accepted")
    try:
        body = json.loads(raw)
    except ValueError:
        raise ProtocolError(CloseCode.INVALID_DATA, "a message must be JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise ProtocolError(CloseCode.INVALID_DATA, "a message is an object with a type")
    if set(body) - {"type", "token"}:
        raise ProtocolError(CloseCode.POLICY, "unknown fields in the message")
    token = body.get("token")
    return ClientMessage(type=body["type"], token=token if isinstance(token, str) else None)


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked text frame (RFC 6455 section 5.2), as a server sends it.

    Sockets here never negotiate permessage-deflate (websocket.py drops the offer), so an
    event's frame is the same bytes for every socket: the hub frames it once, not per socket.
    """
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes([0x81, size])
    elif size < 1 << 16:
        header = bytes([0x81, 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([0x81, 127]) + size.to_bytes(8, "big")
    return header + payload


def ready_message(seq: int) -> str:
    return json.dumps({"type": "ready", "seq": seq})


PONG_MESSAGE: Final = json.dumps({"type": "pong"})
