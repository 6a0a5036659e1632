"""Traffic that keeps running while a scenario breaks something: Shopify's webhooks and a
merchant's dashboard, each in threads of its own, counted as they go."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tests.reliability.shops import Merchant
from tests.reliability.stack import Stack, http_json

# Topics whose handlers run for real on an installed shop (products/update reads its products).
WEBHOOK_TOPICS = ("products/update", "customers/data_request", "customers/redact")


@dataclass
class Webhooks:
    """Signed deliveries to `shop` through the Shopify simulator, `per_second` of them, until
    stopped. The simulator retries a non-2xx answer a few times (1, 2, 4 s apart); a delivery
    still refused after those is sent again later under the same id, as Shopify's later
    retries are (`redeliver_refused`)."""

    stack: Stack
    shop: str
    per_second: float = 10.0
    senders: int = 4
    # webhook id -> topic and the statuses of the app's answers to each delivery of it
    sent: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor | None = None
    _loop: threading.Thread | None = None

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(self.senders, thread_name_prefix="webhooks")
        self._loop = threading.Thread(target=self._run, name="webhook-load", daemon=True)
        self._loop.start()

    def _run(self) -> None:
        assert self._pool is not None
        for number in itertools.count():
            if self._stop.wait(1 / self.per_second):
                return
            self._pool.submit(self._send, WEBHOOK_TOPICS[number % len(WEBHOOK_TOPICS)], None)

    def _send(self, topic: str, webhook_id: str | None) -> None:
        spec: dict[str, Any] = {"topic": topic, "shop": self.shop}
        if webhook_id is not None:
            spec["webhook_id"] = webhook_id
        status, body = http_json("POST", f"{self.stack.shopify_url}/_sim/webhooks", spec)
        assert status == 200, body
        (delivery,) = body["deliveries"]
        with self._lock:
            self.sent.setdefault(delivery["webhook_id"], (topic, []))[1].append(delivery["status"])

    def stop(self) -> None:
        self._stop.set()
        if self._loop is not None:
            self._loop.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def refused(self) -> list[str]:
        """Deliveries whose last answer was not a 2xx."""
        with self._lock:
            return [w for w, (_, statuses) in self.sent.items() if not 200 <= statuses[-1] < 300]

    def redeliver_refused(self, rounds: int = 5, pause: float = 2.0) -> None:
        for _ in range(rounds):
            refused = self.refused()
            if not refused:
                return
            for webhook_id in refused:
                self._send(self.sent[webhook_id][0], webhook_id)
            time.sleep(pause)

    def answers(self) -> Counter[int]:
        with self._lock:
            return Counter(status for _, statuses in self.sent.values() for status in statuses)

    def unhandled(self) -> set[str]:
        """Deliveries the app has not recorded as handled (processed, or ended with a reason)."""
        with psycopg.connect(self.stack.postgres.url) as connection:
            rows = connection.execute(
                "SELECT webhook_id FROM webhook_event"
                " WHERE shop_domain = %s AND (processed_at IS NOT NULL OR error IS NOT NULL)",
                (self.shop,),
            ).fetchall()
        return set(self.sent) - {row[0] for row in rows}

    def handled_twice(self) -> int:
        """Deliveries whose processing the worker logged more than once."""
        log = (self.stack.folder / "worker.log").read_text(errors="replace")
        processed = Counter(re.findall(r"webhook \S+ (\S+) processed", log))
        return sum(1 for webhook_id in self.sent if processed[webhook_id] > 1)


@dataclass
class Dashboard:
    """A merchant's dashboard polling its pages and asking for a refresh, until stopped; the
    answers land in `merchant.answers` (and 5xx ones in `merchant.server_errors`)."""

    merchant: Merchant
    pause: float = 0.2
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dashboard-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        product = self.merchant.product_ids[0]
        calls = itertools.cycle(
            (
                ("GET", "/products"),
                ("GET", f"/products/{product}"),
                ("POST", f"/products/{product}/refresh"),
                ("GET", "/price-changes"),
            )
        )
        while not self._stop.wait(self.pause):
            method, path = next(calls)
            try:
                self.merchant.api(method, path)
            except OSError as error:  # the app did not answer at all: a figure, not a crash
                self.merchant.answers[0] += 1
                self.merchant.server_errors += 1
                print(f"  {method} {path}: no answer ({error})")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
