"""What the shops' usage records equals what Oxylabs bills, whatever fails on the way (issue 14:
Oxylabs billed 6 more results than were recorded during the Redis restart and fault phases).

Oxylabs bills a result whose target answered 2xx or 4xx, a dead ASIN's 404 included, and
nothing it refused with 429, its own 5xx or 6xx, or a job that faulted (Web Scraper API docs,
"Traffic and Billing"). The simulator counts exactly that (`results_billed`), including for a
request it did whose answer was then lost: cut short ("malformed") or held past the client's
read timeout ("timeout"). Each test drives the real services through those faults, retrying
as RQ would, and ends with usage == billed.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
import redis
import responses
from flask import Flask
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.ingest.batch import collect_pending, pending_count, submit_claimed
from app.ingest.jobs import collect_tickets, ingest_tick, refresh_now, submit_batch
from app.ingest.oxylabs import OxylabsClient
from app.ingest.provider import OxylabsProvider, RetryableError
from app.ingest.refresh import RefreshOutcome, refresh_product
from app.models import Observation, Product, ScrapeJob, Shop
from simulators.oxylabs.config import REQUEST_FAULTS
from tests.integration.factories import make_product, make_shop
from tests.integration.ingest.support import DEAD_ASIN, NOW, SIM_PASSWORD, SIM_USER, LiveSim

T = TypeVar("T")
ANSWER_LOST = ("malformed", "timeout")
#: The client waits this long for an answer; the simulator's "timeout" holds it longer.
READ_TIMEOUT = 0.3
STALL = 1.0
#: RQ's retries of an ingest job, and one more.
ATTEMPTS = 5


@pytest.fixture
def sim_app(app: Flask, live_sim: LiveSim, make_app: Callable[..., Flask]) -> Iterator[Flask]:
    live_sim.configure(stall_seconds=STALL)
    built = make_app(**live_sim.env())
    with built.app_context():
        yield built
        db.session.remove()


@pytest.fixture
def quick(live_sim: LiveSim) -> OxylabsProvider:
    """The provider with short read timeouts and no backoff sleeps (the jobs' own waits are
    for a real Oxylabs; the faults here are the simulator's)."""
    client = OxylabsClient(
        username=SIM_USER,
        password=SIM_PASSWORD,
        realtime_url=live_sim.realtime_url,
        data_url=live_sim.url,
        read_timeout=READ_TIMEOUT,
        realtime_read_timeout=READ_TIMEOUT,
        max_retries=3,
        sleep=lambda seconds: None,
    )
    return OxylabsProvider(client)


def used() -> int:
    return int(db.session.scalar(select(func.sum(Shop.oxylabs_results_used))) or 0)


def observations() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Observation)) or 0)


def as_rq_would(call: Callable[[], T]) -> T:
    """Run a job's body, running it again after a retryable failure, as RQ's retries do."""
    for _ in range(ATTEMPTS - 1):
        try:
            return call()
        except RetryableError:
            db.session.rollback()
    return call()


def claimed_key() -> str:
    rows = db.session.scalars(select(ScrapeJob.batch_key).where(ScrapeJob.state == "claimed"))
    (key,) = set(rows)
    assert key is not None
    return key


def dead_redis_url() -> str:
    """A Redis URL on a port nothing listens on: every command fails to connect."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.parametrize("fault", REQUEST_FAULTS)
def test_refresh_records_what_oxylabs_bills_whatever_the_fault(
    sim_app: Flask, live_sim: LiveSim, quick: OxylabsProvider, fault: str
) -> None:
    product = make_product(make_shop(), asin="B0CYVN8CCQ")
    db.session.commit()
    live_sim.configure(next_faults=[fault])
    outcome = as_rq_would(lambda: refresh_product(product.id, quick, NOW))
    assert outcome is RefreshOutcome.STORED
    assert observations() == 1
    # A lost answer was a result produced, and billed: the retry pays for a second one.
    assert live_sim.stats()["results_billed"] == (2 if fault in ANSWER_LOST else 1)
    assert used() == live_sim.stats()["results_billed"]


def test_refresh_records_faulted_jobs_and_dead_listings_as_oxylabs_bills_them(
    sim_app: Flask, live_sim: LiveSim, quick: OxylabsProvider
) -> None:
    shop = make_shop()
    live = make_product(shop, asin="B0CYVN8CCQ")
    dead = make_product(shop, asin=DEAD_ASIN)
    db.session.commit()
    live_sim.configure(next_faulted_jobs=1)  # realtime answers 613: not billed
    assert as_rq_would(lambda: refresh_product(live.id, quick, NOW)) is RefreshOutcome.STORED
    assert refresh_product(dead.id, quick, NOW) is RefreshOutcome.STORED  # a 404 page, billed
    assert live_sim.stats()["results_billed"] == 2
    assert used() == 2


@responses.activate
def test_a_result_oxylabs_does_not_bill_is_given_back(app: Flask) -> None:
    """A realtime answer whose result is the target's 5xx: Oxylabs does not bill it, so the
    reservation is refunded (the simulator never answers one, hence `responses`)."""
    realtime = "https://realtime.example/v1/queries"
    responses.post(
        realtime,
        json={"results": [{"content": {}, "status_code": 503, "job_id": "1"}]},
    )
    client = OxylabsClient(
        username="u", password="p", realtime_url=realtime, data_url="https://data.example"
    )
    product = make_product(make_shop())
    db.session.commit()
    assert refresh_product(product.id, OxylabsProvider(client), NOW) is RefreshOutcome.STORED
    assert used() == 0


def due(count: int) -> list[Product]:
    shop = make_shop()
    products = [make_product(shop, asin=f"B0BIL{n:05d}") for n in range(count)]
    db.session.commit()
    return products


def poll_due(quick: OxylabsProvider, now: datetime) -> int:
    """One scheduler tick and the worker's submit of its batch, retried as RQ would."""
    assert ingest_tick(now) > 0
    key = claimed_key()
    return as_rq_would(lambda: submit_claimed(key, quick, now))


@pytest.mark.parametrize("fault", REQUEST_FAULTS)
def test_a_batch_records_what_oxylabs_bills_whatever_the_submit_fault(
    sim_app: Flask, live_sim: LiveSim, quick: OxylabsProvider, fault: str
) -> None:
    products = due(3)
    now = utcnow()
    live_sim.configure(next_faults=[fault])
    submitted = poll_due(quick, now)
    if fault in ANSWER_LOST:
        # Oxylabs took the batch; its answer never arrived: counted as billed, and the
        # products are due again at once, to be claimed (and counted) by the next tick.
        assert submitted == 0
        later = now + timedelta(seconds=1)
        assert {p.next_poll_at for p in db.session.scalars(select(Product))} == {now}
        submitted = poll_due(quick, later)
    assert submitted == 3
    assert collect_pending(quick, now).stored == 3
    assert observations() == len(products)
    assert live_sim.stats()["results_billed"] == (6 if fault in ANSWER_LOST else 3)
    assert used() == live_sim.stats()["results_billed"]


def test_collecting_through_faults_records_what_oxylabs_bills(
    sim_app: Flask, live_sim: LiveSim, quick: OxylabsProvider
) -> None:
    """Reading results bills nothing, broken or not; a faulted job bills nothing and is
    refunded; a dead listing's 404 is billed."""
    shop = make_shop()
    for n in range(4):
        make_product(shop, asin=f"B0COL{n:05d}")
    make_product(shop, asin=DEAD_ASIN)
    db.session.commit()
    now = utcnow()
    live_sim.configure(next_faulted_jobs=1)
    assert poll_due(quick, now) == 5
    live_sim.configure(next_faults=["malformed", "timeout", "502", "429", "612", "malformed"])
    runs = []
    while pending_count() and len(runs) < 10:  # a broken read leaves its ticket pending
        runs.append(collect_pending(quick, now))
    assert sum(run.stored for run in runs) == 4  # the faulted job had no result
    assert sum(run.faulted for run in runs) == 1
    assert live_sim.stats()["pending_next_faults"] == []
    assert live_sim.stats()["results_billed"] == 4
    assert used() == 4


def test_redis_failing_between_billing_and_recording_records_what_oxylabs_bills(
    sim_app: Flask, live_sim: LiveSim, make_app: Callable[..., Flask]
) -> None:
    """The jobs as the worker runs them, with Redis gone around Oxylabs being paid: the
    reservation's usage event (published after its commit: the poll must still be made, or
    the result stays counted with nothing billed), the submit's enqueue of the collect, the
    refresh's and the collect's live events. Each job fails, RQ runs it again with Redis
    back, and nothing is paid unrecorded, nor recorded unpaid."""
    products = due(3)
    refreshed = products[0]
    now = utcnow()
    assert ingest_tick(now) == 3
    key = claimed_key()
    no_redis = make_app(**live_sim.env(), REDIS_URL=dead_redis_url())

    with no_redis.app_context():
        with pytest.raises(redis.ConnectionError):
            submit_batch(key)  # the tickets are committed, then enqueueing the collect fails
        db.session.remove()
    assert submit_batch(key) == 0  # the retry: submitted already, nothing sent again

    with no_redis.app_context():
        with pytest.raises(redis.ConnectionError):
            collect_tickets()  # stored and committed, then the live events fail
        with pytest.raises(redis.ConnectionError):
            refresh_now(refreshed.id)  # polled and stored, then the live event fails
        db.session.remove()
    assert collect_tickets() == 0  # the retry: collected already
    assert refresh_now(refreshed.id) == RefreshOutcome.STORED  # the retry polls again

    assert observations() == 3 + 2
    assert live_sim.stats()["results_billed"] == 3 + 2
    assert used() == 3 + 2
