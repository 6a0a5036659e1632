"""An HTTP/1.1 load generator in one thread (selectors, keep-alive sockets), run as its own
process so that neither it nor the benchmark's other clients share an interpreter lock, and
cheap enough (tens of microseconds a request) to leave the 2 cores to the server.

    python -m bench.realtime.http_load open URL RATE SECONDS [CONNECTIONS]
    python -m bench.realtime.http_load closed URL CLIENTS SECONDS

`open`: requests go out on a fixed schedule (RATE per second) whatever the answers do; each
latency is timed from the request's scheduled send, so time spent waiting for a free
connection or in the server's queue is counted, not hidden (no coordinated omission).
`closed`: CLIENTS connections each send the next request as soon as the last answer came;
the figure is answers per second.

The session token is one per ~50 s, as App Bridge reuses its token until shortly before it
expires (`bench.realtime.stack.session_token`). Prints one JSON line on stdout: latencies
(seconds, of 200 answers), errors (other statuses and broken connections), wall seconds.
"""

from __future__ import annotations

import json
import selectors
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.realtime.stack import session_token

TOKEN_SECONDS = 50.0


class Tokens:
    """A session token reused for TOKEN_SECONDS, then a new one (App Bridge's habit)."""

    def __init__(self) -> None:
        self._token = ""
        self._until = 0.0

    def current(self, now: float) -> str:
        if now >= self._until:
            self._token, self._until = session_token(), now + TOKEN_SECONDS
        return self._token


@dataclass
class Connection:
    sock: socket.socket
    scheduled: float = 0.0
    busy: bool = False
    retried: bool = False
    buffer: bytearray = field(default_factory=bytearray)


def _request(host: str, target: str, token: str) -> bytes:
    return (
        f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()


def _complete(buffer: bytearray) -> tuple[int, int] | None:
    """(status, bytes used) when `buffer` starts with a whole response, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length = 0
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    total = end + 4 + length
    return (status, total) if len(buffer) >= total else None


class Load:
    def __init__(self, url: str, connections: int) -> None:
        parts = urlsplit(url)
        self.host = parts.netloc
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.tokens = Tokens()
        self.selector = selectors.DefaultSelector()
        self.idle: list[Connection] = []
        self.connections: list[Connection] = []
        self.latencies: list[float] = []
        self.errors = 0
        for _ in range(connections):
            self.idle.append(self._connect())

    def _connect(self) -> Connection:
        sock = socket.create_connection(self.address, timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        connection = Connection(sock)
        self.selector.register(sock, selectors.EVENT_READ, connection)
        self.connections.append(connection)
        return connection

    def send(self, connection: Connection, scheduled: float, retried: bool = False) -> None:
        connection.scheduled, connection.busy, connection.retried = scheduled, True, retried
        request = _request(self.host, self.target, self.tokens.current(time.monotonic()))
        try:
            connection.sock.sendall(request)
        except OSError:
            self._broken(connection)

    def _broken(self, connection: Connection) -> None:
        """The server closed the connection (gthread drops keep-alive sockets idle for 5 s):
        the request goes again on a new one, once; a second failure is an error."""
        self.selector.unregister(connection.sock)
        connection.sock.close()
        self.connections.remove(connection)
        fresh = self._connect()
        if connection.retried or not connection.busy:
            if connection.busy:
                self.errors += 1
            self.idle.append(fresh)
            return
        self.send(fresh, connection.scheduled, retried=True)

    @property
    def busy(self) -> int:
        return sum(1 for connection in self.connections if connection.busy)

    def poll(self, timeout: float) -> list[Connection]:
        """Read what arrived; the connections whose answer is complete (now idle)."""
        done = []
        for key, _ in self.selector.select(timeout):
            connection: Connection = key.data
            try:
                chunk = connection.sock.recv(1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                was_idle = not connection.busy
                self._broken(connection)
                if was_idle:
                    self.idle.remove(connection)
                continue
            connection.buffer += chunk
            answer = _complete(connection.buffer)
            if answer is None:
                continue
            status, used = answer
            del connection.buffer[:used]
            connection.busy = False
            if status == 200:
                self.latencies.append(time.monotonic() - connection.scheduled)
            else:
                self.errors += 1
            done.append(connection)
        return done


def open_loop(url: str, rate: float, seconds: float, connections: int = 64) -> dict[str, Any]:
    load = Load(url, connections)
    start = time.monotonic() + 0.2
    count = int(rate * seconds)
    due = [start + i / rate for i in range(count)]
    next_due = 0
    waiting: list[float] = []  # due, no free connection yet (oldest first)
    while next_due < count or waiting or load.busy:
        now = time.monotonic()
        while next_due < count and due[next_due] <= now:
            waiting.append(due[next_due])
            next_due += 1
        while waiting and load.idle:
            load.send(load.idle.pop(0), waiting.pop(0))  # FIFO: every connection kept warm
        ahead = due[next_due] - time.monotonic() if next_due < count and not waiting else 0.05
        for connection in load.poll(max(0.0, min(ahead, 0.05))):
            load.idle.append(connection)
    return {
        "latencies": load.latencies,
        "errors": load.errors,
        "sent": count,
        "wall": time.monotonic() - start,
    }


def closed_loop(url: str, clients: int, seconds: float) -> dict[str, Any]:
    load = Load(url, clients)
    start = time.monotonic()
    stop = start + seconds
    while time.monotonic() < stop or load.busy:
        while load.idle and time.monotonic() < stop:
            load.send(load.idle.pop(), time.monotonic())
        for connection in load.poll(0.05):
            load.idle.append(connection)
    return {"latencies": load.latencies, "errors": load.errors, "wall": time.monotonic() - start}


def main(argv: list[str]) -> None:
    mode, url = argv[0], argv[1]
    if mode == "open":
        connections = int(argv[4]) if len(argv) > 4 else 64
        result = open_loop(url, float(argv[2]), float(argv[3]), connections)
    elif mode == "closed":
        result = closed_loop(url, int(argv[2]), float(argv[3]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
