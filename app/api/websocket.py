"""GET /ws (flask-sock): a shop's live events, after an `auth` message with a session token.

The token never travels in the URL. It is checked once, at connect (session tokens live a
minute); the socket then stays open while the shop stays installed, and an uninstall closes
every socket of the shop (close code 4001) through the hub's control channel.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, request
from simple_websocket import Server

from app.api.auth import authenticate
from app.api.errors import ApiError
from app.broker import BROKER_EXTENSION, Broker
from app.config import Settings
from app.extensions import current_settings, db, sock
from app.realtime.connection import Connection, cut
from app.realtime.feed import RedisFeed
from app.realtime.hub import Hub, current_hub
from app.realtime.hub import init_app as init_hub
from app.realtime.protocol import CloseCode, ProtocolError, parse_client_message, ready_message

log = logging.getLogger(__name__)
READER_GRACE_SECONDS = 2.0


def init_app(app: Flask, settings: Settings) -> None:
    """One hub per app (its feed's thread starts with the first socket) and the /ws route."""
    broker = app.extensions[BROKER_EXTENSION]
    assert isinstance(broker, Broker)
    limits = settings.realtime
    init_hub(app, Hub(RedisFeed(broker.redis), limits))
    # Pings are the socket thread's job (connection.py), so simple-websocket's reader thread
    # only reads; it enforces the message size limit (close 1009).
    app.config["SOCK_SERVER_OPTIONS"] = {"max_message_size": limits.max_message_bytes}
    app.register_blueprint(bp)


def serve(ws: Server) -> None:
    """The /ws route's body (flask-sock hands it the accepted socket)."""
    hub = current_hub()
    limits = current_settings().realtime
    mailbox = hub.open()
    try:
        if mailbox is None:
            ws.close(int(CloseCode.TRY_AGAIN_LATER), "this server holds its maximum of sockets")
            return
        shop_id = _authenticated_shop(ws, limits.auth_seconds)
        if shop_id is None:
            return
        hub.bind(mailbox, shop_id)
        ready = hub.feed.current_seq(shop_id)  # after bind: no event falls between the two
        ws.send(ready_message(ready))
        Connection(
            ws=ws,
            hub=hub,
            mailbox=mailbox,
            shop_id=shop_id,
            last_seq=ready,
            ping_seconds=limits.ping_seconds,
            send_timeout=limits.send_timeout_seconds,
        ).run()
    finally:
        if mailbox is not None:
            hub.release(mailbox)
        _end_reader(ws)


bp = Blueprint("realtime", __name__)


@bp.before_request
def refuse_compression() -> None:
    # simple-websocket would accept permessage-deflate, and then every event is compressed
    # once per socket. Events are small JSON; without it one frame serves every socket.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


sock.route("/ws", bp=bp)(serve)


def _authenticated_shop(ws: Server, timeout: float) -> int | None:
    """The shop of the first message's session token; closes the socket and returns None
    when the message is missing, late, malformed or its token is refused."""
    try:
        message = parse_client_message(ws.receive(timeout=timeout))
        if message.type != "auth" or message.token is None:
            raise ProtocolError(CloseCode.POLICY, "the first message must be auth")
    except ProtocolError as error:
        if ws.connected:
            ws.close(int(error.code), error.reason)
        return None
    try:
        shop_id = authenticate(message.token).shop.id
    except ApiError as error:
        code = CloseCode.TRY_AGAIN_LATER if error.status == 503 else CloseCode.POLICY
        ws.close(int(code), error.code)
        return None
    finally:
        # The socket holds no database connection while it lives: the pool is for HTTP.
        db.session.remove()
    return int(shop_id)


def _end_reader(ws: Server) -> None:
    """Let simple-websocket's reader thread see the client's close reply, then make sure it
    ends: a peer that never answers would otherwise keep it blocked in recv."""
    thread = getattr(ws, "thread", None)
    if thread is not None:
        thread.join(timeout=READER_GRACE_SECONDS if not ws.connected else 0)
        if thread.is_alive():
            ws.connected = False
            cut(ws.sock)
            thread.join(timeout=READER_GRACE_SECONDS)
