"""The whole app for browser tests, as `make demo` runs it but in this process, on free ports.

The Shopify simulator (admin frame, App Bridge and Polaris stand-ins, Admin GraphQL, webhooks),
the Oxylabs simulator on a manual clock, PriceBridge itself behind a TCP relay the tests can
cut (to kill every socket and refuse new ones, then restore), and a worker thread that runs
every queued job and the polling tick.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from flask import Flask
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from app.broker import QUEUE_NAMES, current_broker
from app.clock import utcnow
from app.jobs.worker import AppWorker
from simulators.oxylabs.app import create_app as create_oxylabs
from simulators.oxylabs.catalogue import Catalogue, StockState
from simulators.oxylabs.config import ManualClock
from simulators.oxylabs.config import SimulatorConfig as OxylabsConfig
from simulators.shopify.app import Simulator, SimulatorConfig, create_app, simulator
from tests.support import (
    TEST_SHOPIFY_API_KEY,
    TEST_SHOPIFY_API_SECRET,
    free_port,
    serving,
)

SHOP = "e2e-shop.myshopify.com"
#: How long a test waits for the worker (polls, pushes, webhooks) on a loaded machine.
SETTLE_SECONDS = 60.0
SHOP_NAME = "e2e-shop"
#: Every Amazon listing a browser test links. The Oxylabs simulator's stock is a function of
#: the clock, so the stack starts its clock where all of these can be bought (`steady_start`):
#: a test of the dashboard must not depend on the hour it runs at.
LISTINGS: tuple[tuple[str, str], ...] = (
    *((f"B0E2E0000{number}", "com") for number in range(1, 6)),
    *((f"B0SET0000{number}", "com") for number in range(3)),
    ("B0KEY00001", "com"),
    *((f"B0CSV0000{number}", "com") for number in range(1, 3)),  # the CSV import's
    ("B0YEN00001", "co.jp"),
)
#: How many price periods a test may move Amazon's clock (the most any moves is five) and
#: still find every listing buyable.
STEADY_PERIODS = 8
#: The stock states in which Amazon shows a price to buy at now.
_PRICED = frozenset({StockState.IN_STOCK, StockState.LOW_STOCK})
#: Where the search for a steady start begins: fixed, so every run starts at the same instant.
_SEARCH_FROM = datetime(2026, 1, 1, tzinfo=UTC)


class Relay:
    """A TCP relay to the app: `cut()` drops every connection and refuses new ones until
    `restore()`, as a network loss would (the app itself keeps running)."""

    def __init__(self, target_port: int, port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", port))
        self.listener.settimeout(0.1)
        self.port = port
        self.up = threading.Event()
        self.up.set()
        self.stopping = threading.Event()
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass  # the other side closed, or cut() closed both: the connection is over
        finally:
            for end in (source, sink):
                self._close(end)

    def _close(self, end: socket.socket) -> None:
        with self.lock:
            self.open.discard(end)
        with contextlib.suppress(OSError):  # already shut down by the other pipe
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        self.up.clear()
        with self.lock:
            ends = list(self.open)
        for end in ends:
            self._close(end)

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.stopping.set()
        self.cut()
        self.listener.close()
        self.thread.join(timeout=5)


class ThreadWorker(SimpleWorker, AppWorker):  # type: ignore[misc]
    """AppWorker running jobs in this process; no signal handlers (it runs in a thread), and
    job timeouts by timer instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        return None


#: The worker thread wakes at least this often (seconds) for the polling tick and the stop.
WORKER_IDLE_SECONDS = 1


def _work(app: Flask, stop: threading.Event, errors: list[BaseException]) -> None:
    """Run every queued job as the worker process does: blocked on the queues, so a job starts
    as soon as it is queued; between waits (at most WORKER_IDLE_SECONDS idle, or 50 jobs) the
    scheduler's polling tick runs and the stack's stop is seen."""
    from app.ingest.jobs import ingest_tick

    with app.app_context():
        broker = current_broker()
        queues = [broker.queue(name) for name in QUEUE_NAMES]
        while not stop.is_set():
            try:
                ingest_tick(utcnow())
                ThreadWorker(queues, connection=broker.redis, app=app).work(
                    logging_level="WARNING", max_idle_time=WORKER_IDLE_SECONDS, max_jobs=50
                )
            except Exception as error:  # noqa: BLE001 - reported by the test, not swallowed
                errors.append(error)
                return


@dataclass
class Stack:
    app: Flask
    app_url: str
    direct_url: str
    shopify_url: str
    oxylabs_url: str
    sim: Simulator
    clock: ManualClock
    relay: Relay
    worker_errors: list[BaseException]

    @property
    def admin_url(self) -> str:
        return f"{self.shopify_url}/store/{SHOP_NAME}/apps/{TEST_SHOPIFY_API_KEY}"

    def seed_shop(self, products: int, currency: str = "USD") -> None:
        answer = requests.post(
            f"{self.shopify_url}/_sim/graphql/seed",
            json={"shop": SHOP, "products": products, "currency": currency},
            timeout=10,
        )
        answer.raise_for_status()

    def variants(self) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.shopify_url}/_sim/graphql/variants?shop={SHOP}", timeout=10)
        answer.raise_for_status()
        return list(answer.json()["variants"])

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call PriceBridge's /api as the embedded page would (a fresh session token), straight
        to the app (not through the relay, so it works while the relay is cut)."""
        record = self.sim.registry.shop(SHOP)
        assert record is not None, "open the admin first: it installs the app"
        headers = {"Authorization": f"Bearer {self.sim.session_tokens.issue(record)}"}
        return requests.request(
            method, self.direct_url + path, headers=headers, timeout=15, **kwargs
        )

    def link(
        self, variant: dict[str, Any], asin: str, marketplace: str = "com", *, steady: bool = True
    ) -> int:
        """Link a simulator variant to an ASIN through the API; the product's id. A test links
        only LISTINGS (in stock from the clock's start); the bench passes steady=False for
        listings whose stock may move."""
        if steady:
            assert (asin, marketplace) in LISTINGS, (
                f"add {asin} on amazon.{marketplace} to LISTINGS"
            )
        answer = self.api(
            "POST",
            "/api/products",
            json={
                "shopify_variant_gid": variant["id"],
                "shopify_product_gid": variant["product_id"],
                "asin": asin,
                "marketplace": marketplace,
            },
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    def products(self) -> list[dict[str, Any]]:
        answer = self.api("GET", "/api/products?limit=100")
        answer.raise_for_status()
        return list(answer.json()["items"])

    def wait_for(self, condition: Any, seconds: float = SETTLE_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                failed = self.failed_jobs()
                raise AssertionError(f"not true after {seconds}s: {condition}; failed: {failed}")
            time.sleep(0.2)

    def advance_amazon(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def failed_jobs(self) -> list[str]:
        """Every job that failed in this run, with its error (a test fails on any)."""
        with self.app.app_context():
            broker = current_broker()
            failed = []
            for name in QUEUE_NAMES:
                queue = broker.queue(name)
                retrying = queue.scheduled_job_registry.get_job_ids()
                for job_id in [*queue.failed_job_registry.get_job_ids(), *retrying]:
                    job = broker.queue(name).fetch_job(job_id)
                    info = job.latest_result().exc_string if job and job.latest_result() else ""
                    failed.append(f"{job_id}: {info}")
            return failed


def steady_start(catalogue: Catalogue, listings: tuple[tuple[str, str], ...]) -> datetime:
    """The start of the first run of `STEADY_PERIODS` price periods from 2026-01-01 UTC in which
    every listing is in stock or low on stock (prices still move); LookupError if none in a
    year. Deterministic: the simulator's catalogue is a pure function of seed, ASIN and time."""
    period = catalogue.price_period_seconds
    first = catalogue.bucket(_SEARCH_FROM)

    def buyable(bucket: int) -> bool:
        at = datetime.fromtimestamp(bucket * period, UTC)
        return all(
            not catalogue.is_dead(asin)
            and catalogue.offer(asin, marketplace, None, at).state in _PRICED
            for asin, marketplace in listings
        )

    start, steady = first, 0
    for bucket in range(first, first + int(365 * 86_400 // period)):
        steady = steady + 1 if buyable(bucket) else 0
        if steady == 1:
            start = bucket
        if steady == STEADY_PERIODS:
            return datetime.fromtimestamp(start * period, UTC)
    raise LookupError(f"no {STEADY_PERIODS} periods with every listing buyable in a year")


@contextmanager
def running_stack(make_app: Any) -> Iterator[Stack]:
    relay_port, app_port, oxylabs_port = free_port(), free_port(), free_port()
    app_url = f"http://127.0.0.1:{relay_port}"
    # The catalogue's images are the simulator's own, so the page shows them offline.
    oxylabs_config = OxylabsConfig(
        price_period_seconds=60.0, image_origin=f"http://127.0.0.1:{oxylabs_port}"
    )
    catalogue = Catalogue(oxylabs_config.seed, oxylabs_config.price_period_seconds)
    clock = ManualClock(steady_start(catalogue, LISTINGS))
    with ExitStack() as stack:
        shopify_app = create_app(
            SimulatorConfig(
                api_key=TEST_SHOPIFY_API_KEY,
                api_secret=TEST_SHOPIFY_API_SECRET,
                app_url=app_url,
                webhook_retries=0,
            )
        )
        shopify_url = stack.enter_context(serving(shopify_app))
        oxylabs_url = stack.enter_context(
            serving(create_oxylabs(oxylabs_config, clock=clock), port=oxylabs_port)
        )
        pricebridge = make_app(
            SHOPIFY_APP_URL=app_url,
            SHOPIFY_ADMIN_ORIGIN=f"{shopify_url}/shops/{{shop}}",
            APP_BRIDGE_SRC=f"{shopify_url}/cdn/app-bridge.js",
            POLARIS_SRC=f"{shopify_url}/cdn/polaris.js",
            OXYLABS_USERNAME="sim-user",
            OXYLABS_PASSWORD="sim-pass",
            OXYLABS_REALTIME_URL=f"{oxylabs_url}/realtime/v1/queries",
            OXYLABS_DATA_URL=oxylabs_url,
        )
        direct_url = stack.enter_context(serving(pricebridge, port=app_port))
        relay = Relay(app_port, relay_port)
        stack.callback(relay.close)
        stop, errors = threading.Event(), []
        worker = threading.Thread(target=_work, args=(pricebridge, stop, errors), daemon=True)
        worker.start()
        stack.callback(worker.join, 10)
        stack.callback(stop.set)
        yield Stack(
            app=pricebridge,
            app_url=app_url,
            direct_url=direct_url,
            shopify_url=shopify_url,
            oxylabs_url=oxylabs_url,
            sim=simulator(shopify_app),
            clock=clock,
            relay=relay,
            worker_errors=errors,
        )
