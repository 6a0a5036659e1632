"""1,000 random disconnects during a stream of events, each client catching up the way the
dashboard does: on `ready` with seq R, ask /api/events?after=<last seq held> for what it missed
up to R, then take live events after R from the socket."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field

import requests
from simple_websocket import Client, ConnectionClosed

from app.realtime.events import publish_event
from bench.realtime.stack import Stack, session_token


@dataclass
class View:
    """One client's view of the shop's events."""

    seqs: list[int] = field(default_factory=list)
    repeats: int = 0  # events delivered again that the view already held (dropped)
    live_gaps: int = 0  # live events that skipped a seq (the protocol promises none)

    @property
    def last(self) -> int:
        return self.seqs[-1] if self.seqs else 0

    def take(self, seq: int) -> None:
        if seq <= self.last:
            self.repeats += 1
            return
        self.seqs.append(seq)


def _catch_up(s: Stack, view: View, upto: int | None) -> None:
    session = requests.Session()
    while upto is None or view.last < upto:
        answer = session.get(
            f"{s.url}/api/events",
            params={"after": view.last},
            headers={"Authorization": f"Bearer {session_token()}"},
            timeout=30,
        )
        answer.raise_for_status()
        body = answer.json()
        for event in body["events"]:
            if upto is None or event["seq"] <= upto:
                view.take(event["seq"])
        if not body["has_more"]:
            return


def _client(s: Stack, view: View, budget: list[int], lock: threading.Lock, seed: int) -> None:
    rng = random.Random(seed)
    ws_url = s.url.replace("http://", "ws://") + "/ws"
    while True:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        ws = Client.connect(ws_url)
        ws.send(json.dumps({"type": "auth", "token": session_token()}))
        ready = json.loads(ws.receive(timeout=10))
        _catch_up(s, view, int(ready["seq"]))
        leave = time.monotonic() + rng.uniform(0.02, 0.4)
        try:
            while (left := leave - time.monotonic()) > 0:
                raw = ws.receive(timeout=left)
                if raw is None:
                    break
                seq = json.loads(raw)["seq"]
                if seq > view.last + 1:
                    view.live_gaps += 1
                view.take(seq)
        except ConnectionClosed:
            pass
        if rng.random() < 0.5:
            ws.close()  # a clean close
        else:
            ws.sock.close()  # the network drops: no close frame
            ws.connected = False


def run_disconnects(s: Stack, clients: int, total: int, rate: float) -> str:
    budget, lock = [total], threading.Lock()
    stop = threading.Event()
    published = [0]

    def publisher() -> None:
        with s.app.app_context():
            start = time.monotonic()
            while not stop.is_set():
                delay = start + published[0] / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                publish_event(s.shop_id, "observation", {"n": published[0]})
                published[0] += 1

    views = [View() for _ in range(clients)]
    feeder = threading.Thread(target=publisher, daemon=True)
    feeder.start()
    time.sleep(0.2)
    started = time.monotonic()
    threads = [
        threading.Thread(target=_client, args=(s, views[i], budget, lock, i), daemon=True)
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    feeder.join()
    wall = time.monotonic() - started
    for view in views:
        _catch_up(s, view, None)  # the last reconnect, after the stream ended
    expected = list(range(1, published[0] + 1))
    lost = sum(len(set(expected) - set(view.seqs)) for view in views)
    duplicated = sum(len(view.seqs) - len(set(view.seqs)) for view in views)
    out_of_order = sum(view.seqs != sorted(view.seqs) for view in views)
    return (
        f"{total} disconnects ({clients} clients, half clean closes, half dropped TCP) during "
        f"{published[0]} events at {rate:.0f}/s over {wall:.0f} s:\n"
        f"  events lost {lost}, duplicated in a client's view {duplicated}, clients out of "
        f"order {out_of_order}; live gaps {sum(v.live_gaps for v in views)}, repeats "
        f"delivered and dropped {sum(v.repeats for v in views)}"
    )
