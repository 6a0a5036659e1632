"""Many websocket clients in one thread (selectors + wsproto), run as its own process so the
benchmark's publisher and load generator do not share its interpreter lock.

    python -m bench.realtime.peers URL COUNT SECONDS

Connects COUNT clients to URL/ws, authenticates each (answering pings like a browser), prints
"connected N" on stderr, then for SECONDS records each event's latency (now - data.t0, when the
event carries t0) and seq gaps/repeats; prints one JSON line of results on stdout.
"""

from __future__ import annotations

import json
import selectors
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)

from bench.realtime.stack import session_token


@dataclass
class Peer:
    sock: socket.socket
    ws: WSConnection
    last_seq: int = 0
    closed: int | None = None
    buffer: list[str] = field(default_factory=list)


def connect(host: str, port: int) -> Peer:
    sock = socket.create_connection((host, port), timeout=30)
    ws = WSConnection(ConnectionType.CLIENT)
    sock.sendall(ws.send(Request(host=f"{host}:{port}", target="/ws")))
    peer = Peer(sock, ws)
    _wait_for(peer, AcceptConnection)
    sock.sendall(ws.send(TextMessage(data=json.dumps({"type": "auth", "token": session_token()}))))
    ready = json.loads(_wait_for(peer, TextMessage).data)
    if ready.get("type") != "ready":
        raise SystemExit(f"no ready: {ready}")
    peer.last_seq = int(ready["seq"])
    sock.setblocking(False)
    return peer


def _wait_for(peer: Peer, kind: type) -> Any:
    while True:
        for event in peer.ws.events():
            if isinstance(event, kind):
                return event
            if isinstance(event, CloseConnection):
                raise SystemExit(f"closed during setup: {event.code} {event.reason}")
        data = peer.sock.recv(65536)
        if not data:
            raise SystemExit("connection ended during setup")
        peer.ws.receive_data(data)


def main(url: str, count: int, seconds: float) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    selector = selectors.DefaultSelector()
    latencies: list[float] = []
    gaps = repeats = events = 0
    closes: dict[str, int] = {}
    peers: list[Peer] = []
    connecting = True
    deadline = time.monotonic() + seconds
    while connecting or time.monotonic() < deadline:
        if connecting:
            # Connect one more, then serve what the others received (pings above all): a
            # browser answers pings from the moment it connects.
            peer = connect(host, int(port))
            peers.append(peer)
            selector.register(peer.sock, selectors.EVENT_READ, peer)
            if len(peers) == count:
                connecting = False
                print(f"connected {len(peers)}", file=sys.stderr, flush=True)
                deadline = time.monotonic() + seconds
        for key, _ in selector.select(timeout=0 if connecting else 0.2):
            peer: Peer = key.data
            try:
                data = peer.sock.recv(262144)
            except BlockingIOError:
                continue
            now = time.time()
            if not data:
                selector.unregister(peer.sock)
                closes["eof"] = closes.get("eof", 0) + 1
                continue
            peer.ws.receive_data(data)
            out = b""
            for event in peer.ws.events():
                if isinstance(event, Ping):
                    out += peer.ws.send(event.response())
                elif isinstance(event, CloseConnection):
                    closes[str(event.code)] = closes.get(str(event.code), 0) + 1
                    selector.unregister(peer.sock)
                    break
                elif isinstance(event, TextMessage):
                    message = json.loads(event.data)
                    seq = message.get("seq")
                    if isinstance(seq, int):
                        events += 1
                        if seq <= peer.last_seq:
                            repeats += 1
                        elif seq > peer.last_seq + 1:
                            gaps += seq - peer.last_seq - 1
                        peer.last_seq = max(peer.last_seq, seq)
                        t0 = (message.get("data") or {}).get("t0")
                        if isinstance(t0, float):
                            latencies.append(now - t0)
            if out:
                peer.sock.sendall(out)
    still_open = len(selector.get_map())
    for peer in peers:
        peer.sock.close()
    return {
        "connected": len(peers),
        "still_open": still_open,
        "events": events,
        "gaps": gaps,
        "repeats": repeats,
        "closes": closes,
        "latencies": latencies,
    }


if __name__ == "__main__":
    result = main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
    print(json.dumps(result))
