"""Polling survives products unlinked, shops uninstalled and shops erased under it (issue 14:
deletes racing jobs). Each race is interleaved deterministically: the steps of the job run
with the other side between them, or a hook runs it at the point where the job waits (on the
provider, or holding its tickets), in its own connection, as another request would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text, update

from app.clock import utcnow
from app.extensions import db
from app.ingest import batch, refresh
from app.ingest.batch import collect_pending, submit_claimed
from app.ingest.jobs import ingest_tick
from app.ingest.oxylabs import OxylabsClient
from app.ingest.provider import ListingQuery, OxylabsProvider, Poll
from app.ingest.refresh import RefreshOutcome, refresh_product
from app.models import Observation, PriceChange, Product, ScrapeJob, Shop
from app.push.push import push_shop
from app.shopify.lifecycle import UNINSTALLED_REASON, mark_uninstalled
from tests.integration.factories import auth, installed, make_product
from tests.integration.ingest.support import (
    NOW,
    SIM_PASSWORD,
    SIM_USER,
    LiveSim,
    sim_provider,
)


@pytest.fixture
def sim_app(app: Flask, live_sim: LiveSim, make_app: Callable[..., Flask]) -> Iterator[Flask]:
    built = make_app(**live_sim.env())
    with built.app_context():
        yield built
        db.session.remove()


def due(count: int) -> tuple[Shop, list[Product]]:
    shop = installed(f"races-{count}.myshopify.com")
    products = [make_product(shop, asin=f"B0RAC{n:05d}") for n in range(count)]
    db.session.commit()
    return shop, products


def claimed_key() -> str:
    (key,) = set(db.session.scalars(select(ScrapeJob.batch_key)))
    assert key is not None
    return key


def used(shop_id: int) -> int:
    return int(db.session.scalar(select(Shop.oxylabs_results_used).where(Shop.id == shop_id)) or 0)


def unlink_in_another_request(product_id: int) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(Product).where(Product.id == product_id))


def erase(shop_id: int) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(Shop).where(Shop.id == shop_id))


def wait_until_blocked(backend: list[int], seconds: float = 10) -> None:
    """Until the other connection's statement waits for a row lock."""
    deadline = time.monotonic() + seconds
    with db.engine.connect() as probe:
        while time.monotonic() < deadline:
            if backend:
                waiting = probe.execute(
                    text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": backend[0]},
                ).scalar()
                if waiting == "Lock":
                    return
            probe.rollback()
            time.sleep(0.02)
    raise AssertionError("the unlink never waited for the collect's tickets")


def test_an_unlink_while_tickets_are_collected_neither_deadlocks_nor_fails(
    sim_app: Flask, live_sim: LiveSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collecting locks its tickets, then their products; an unlink locks the product, then
    its tickets (the cascade). Interleaved, the two used to deadlock, and PostgreSQL killed
    one. Now the collect leaves a product another transaction holds for its next run."""
    _shop, products = due(3)
    provider = sim_provider(live_sim)
    now = utcnow()
    ingest_tick(now)
    assert submit_claimed(claimed_key(), provider, now) == 3
    gone = products[1].id
    backend: list[int] = []
    failures: list[BaseException] = []
    engine = db.engine  # the thread has no app context

    def unlink() -> None:
        try:
            with engine.begin() as connection:
                backend.append(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
                connection.execute(delete(Product).where(Product.id == gone))
        except Exception as error:  # noqa: BLE001 - asserted empty below
            failures.append(error)

    other = threading.Thread(target=unlink)
    real = batch._lock_pending

    def lock_then_unlink(job_ids: list[int]) -> list[ScrapeJob]:
        jobs = real(job_ids)
        other.start()
        wait_until_blocked(backend)  # the unlink waits for these tickets
        return jobs

    monkeypatch.setattr(batch, "_lock_pending", lock_then_unlink)
    run = collect_pending(provider, now)
    other.join(timeout=30)
    assert not failures, failures
    assert (run.stored, run.abandoned) == (2, 0)
    db.session.expire_all()
    assert db.session.get(Product, gone) is None
    assert db.session.scalar(select(func.count()).select_from(ScrapeJob)) == 2
    stored = db.session.scalars(select(Observation.product_id)).all()
    assert sorted(stored) == sorted(p.id for p in (products[0], products[2]))


def test_unlinking_gives_back_the_result_of_a_poll_not_yet_sent(
    sim_app: Flask, live_sim: LiveSim
) -> None:
    shop, products = due(3)
    client = sim_app.test_client()
    now = utcnow()
    ingest_tick(now)
    assert used(shop.id) == 3
    response = client.delete(f"/api/products/{products[0].id}", headers=auth(shop.domain))
    assert response.status_code == 204
    assert used(shop.id) == 2  # claimed, never sent: given back
    assert submit_claimed(claimed_key(), sim_provider(live_sim), now) == 2
    response = client.delete(f"/api/products/{products[1].id}", headers=auth(shop.domain))
    assert response.status_code == 204
    assert used(shop.id) == 2  # sent: Oxylabs bills it
    assert live_sim.stats()["jobs_submitted"] == 2


def test_an_uninstall_between_claim_and_submit_sends_nothing(
    sim_app: Flask, live_sim: LiveSim
) -> None:
    shop, _products = due(2)
    now = utcnow()
    ingest_tick(now)
    key = claimed_key()
    mark_uninstalled(shop, now)  # app/uninstalled, handled by another worker
    db.session.commit()
    assert submit_claimed(key, sim_provider(live_sim), now) == 0
    assert live_sim.stats()["requests"] == 0
    assert used(shop.id) == 0  # the reservations are given back


@pytest.mark.parametrize("when", ["before_submit", "before_collect"])
def test_a_shop_erased_while_it_is_polled_is_left_alone(
    sim_app: Flask, live_sim: LiveSim, when: str
) -> None:
    shop, _products = due(2)
    provider = sim_provider(live_sim)
    now = utcnow()
    ingest_tick(now)
    key = claimed_key()
    if when == "before_collect":
        assert submit_claimed(key, provider, now) == 2
    erase(shop.id)
    assert submit_claimed(key, provider, now) == 0
    run = collect_pending(provider, now)
    assert (run.stored, run.abandoned) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(ScrapeJob)) == 0


def test_a_refresh_of_a_shop_erased_after_its_product_was_read_is_gone(
    app: Flask, provider: OxylabsProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, (product,) = due(1)
    real = refresh.lock_shops

    def erase_then_lock(shop_ids: set[int]) -> dict[int, Shop]:
        erase(shop.id)  # shop/redact, in another worker, right after the product was read
        return real(shop_ids)

    monkeypatch.setattr(refresh, "lock_shops", erase_then_lock)
    assert refresh_product(product.id, provider, NOW) is RefreshOutcome.GONE


class UnlinksWhilePolling:
    """The provider's realtime call, with the product unlinked while Oxylabs works on it."""

    def __init__(self, real: OxylabsProvider, product_id: int) -> None:
        self.real = real
        self.product_id = product_id

    def poll_now(self, query: ListingQuery, *, received_at: datetime) -> Poll:
        poll = self.real.poll_now(query, received_at=received_at)
        unlink_in_another_request(self.product_id)
        return poll

    def submit(self, queries: Sequence[ListingQuery]) -> Any:
        raise AssertionError("not used")

    def collect(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("not used")


def test_a_product_unlinked_while_it_is_refreshed_stores_nothing_and_stays_counted(
    app: Flask, live_sim: LiveSim
) -> None:
    shop, (product,) = due(1)
    provider = UnlinksWhilePolling(sim_provider(live_sim), product.id)
    outcome = refresh_product(product.id, provider, NOW)  # type: ignore[arg-type]
    assert outcome is RefreshOutcome.GONE
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0
    assert used(shop.id) == live_sim.stats()["results_billed"] == 1


class UninstallsWhilePolling(UnlinksWhilePolling):
    """The realtime call, with app/uninstalled handled by another worker meanwhile (what
    `mark_uninstalled` commits: the time, the tokens dropped, the products paused)."""

    def __init__(self, real: OxylabsProvider, shop_id: int) -> None:
        super().__init__(real, 0)
        self.shop_id = shop_id

    def poll_now(self, query: ListingQuery, *, received_at: datetime) -> Poll:
        poll = self.real.poll_now(query, received_at=received_at)
        with db.engine.begin() as other:
            other.execute(
                update(Shop)
                .where(Shop.id == self.shop_id)
                .values(uninstalled_at=utcnow(), access_token=None, refresh_token=None)
            )
            other.execute(
                update(Product)
                .where(Product.shop_id == self.shop_id, Product.status == "active")
                .values(status="paused", status_reason=UNINSTALLED_REASON)
            )
        return poll


def test_an_uninstall_while_a_product_is_refreshed_pushes_no_price(
    app: Flask, live_sim: LiveSim
) -> None:
    """The result was billed, so it is stored and counted; the price it proposes (within the
    shop's tolerance, it would be approved at once) is held with the paused product, and no
    push sends anything to a shop no longer installed."""
    shop = installed(
        "uninstall-refresh.myshopify.com",
        currency="USD",
        markup_percent=Decimal("30.00"),
        auto_push_tolerance_percent=Decimal("100.00"),
    )
    product = make_product(shop, asin="B0CYVN8CCQ", shopify_price=Decimal("20.00"))
    db.session.commit()
    provider = UninstallsWhilePolling(sim_provider(live_sim), shop.id)
    assert refresh_product(product.id, provider, NOW) is RefreshOutcome.STORED  # type: ignore[arg-type]
    assert [change.state for change in db.session.scalars(select(PriceChange))] == ["held"]
    report = push_shop(shop.id)
    assert (report.pushed, report.failed) == (0, 0)
    db.session.expire_all()
    assert [change.state for change in db.session.scalars(select(PriceChange))] == ["held"]
    assert used(shop.id) == live_sim.stats()["results_billed"] == 1


class HoldsTheSubmit:
    """The Oxylabs simulator taking the batch, its answer held (its push-pull latency, or its
    timeout fault: the batch taken and billed, the answer never back within the client's read
    timeout); the call does not return before the unlink the test makes meanwhile has
    answered, or `HOLD` seconds. So an unlink that waited for the submit is seen."""

    HOLD = 20.0

    def __init__(self, real: OxylabsProvider) -> None:
        self.real = real
        self.inside = threading.Event()
        self.unlinked = threading.Event()
        self.unlinked_inside: bool | None = None

    def submit(self, queries: Sequence[ListingQuery]) -> Any:
        self.inside.set()
        try:
            return self.real.submit(queries)
        finally:
            self.unlinked_inside = self.unlinked.wait(self.HOLD)


@pytest.mark.parametrize("fault", ["latency", "timeout"])
def test_an_unlink_answers_while_its_batch_is_with_oxylabs(
    sim_app: Flask, live_sim: LiveSim, fault: str
) -> None:
    """No row is locked while a batch is sent: an unlink answers while the submit waits on
    Oxylabs. Its product's ticket has nowhere to go; the result stays counted, as Oxylabs
    bills it, and the other products are collected (or polled again after a lost answer)."""
    shop, products = due(3)
    gone = products[1]
    client = sim_app.test_client()
    now = utcnow()
    ingest_tick(now)
    key = claimed_key()
    if fault == "latency":
        live_sim.configure(push_pull_latency_seconds=0.5)
        real = sim_provider(live_sim)
    else:  # taken and billed, its answer held past the client's read timeout
        live_sim.configure(next_faults=["timeout"], stall_seconds=2.0)
        real = OxylabsProvider(
            OxylabsClient(
                username=SIM_USER,
                password=SIM_PASSWORD,
                realtime_url=live_sim.realtime_url,
                data_url=live_sim.url,
                read_timeout=0.5,
                max_retries=0,
            )
        )
    held = HoldsTheSubmit(real)
    submitted: list[int] = []

    def submit() -> None:
        with sim_app.app_context():
            submitted.append(submit_claimed(key, held, now))  # type: ignore[arg-type]
            db.session.remove()

    thread = threading.Thread(target=submit)
    thread.start()
    assert held.inside.wait(30)
    response = client.delete(f"/api/products/{gone.id}", headers=auth(shop.domain))
    held.unlinked.set()
    thread.join(timeout=60)
    assert response.status_code == 204
    assert held.unlinked_inside is True, "the unlink waited for the submit's call to Oxylabs"
    live_sim.configure(push_pull_latency_seconds=0)

    db.session.expire_all()
    kept = [products[0].id, products[2].id]
    provider = sim_provider(live_sim)
    if fault == "latency":
        assert submitted == [2]  # the unlinked product's ticket had no claim left to go on
        assert collect_pending(provider, now).stored == 2
    else:  # the answer was lost: counted as billed, and the products polled again
        assert submitted == [0]
        assert ingest_tick(now) == 2
        assert submit_claimed(claimed_key_of(kept), provider, now) == 2
        assert collect_pending(provider, now).stored == 2
    observed = db.session.scalars(select(Observation.product_id)).all()
    assert sorted(observed) == kept  # nothing lost, nothing stored twice
    stats = live_sim.stats()
    assert used(shop.id) == stats["results_billed"] == stats["jobs_submitted"]


def claimed_key_of(product_ids: list[int]) -> str:
    (key,) = set(
        db.session.scalars(
            select(ScrapeJob.batch_key).where(
                ScrapeJob.state == "claimed", ScrapeJob.product_id.in_(product_ids)
            )
        )
    )
    assert key is not None
    return key


class HoldsTheCollect:
    """Oxylabs answering a result fetch (its push-pull latency); the call does not return
    before the unlink the test makes meanwhile has answered, or `HOLD` seconds."""

    HOLD = 20.0

    def __init__(self, real: OxylabsProvider) -> None:
        self.real = real
        self.inside = threading.Event()
        self.unlinked = threading.Event()
        self.unlinked_inside: list[bool] = []

    def collect(self, ticket_id: str, listing: Any, *, received_at: datetime) -> Any:
        self.inside.set()
        try:
            return self.real.collect(ticket_id, listing, received_at=received_at)
        finally:
            self.unlinked_inside.append(self.unlinked.wait(self.HOLD))


def test_an_unlink_answers_while_its_result_is_fetched(sim_app: Flask, live_sim: LiveSim) -> None:
    """No row is locked while results are fetched: an unlink answers while a collect waits on
    Oxylabs. Its ticket goes with it (the result was billed and stays counted); the others
    are stored, once each."""
    shop, products = due(3)
    gone = products[1]
    client = sim_app.test_client()
    now = utcnow()
    ingest_tick(now)
    assert submit_claimed(claimed_key(), sim_provider(live_sim), now) == 3
    live_sim.configure(push_pull_latency_seconds=0.5)
    held = HoldsTheCollect(sim_provider(live_sim))
    runs: list[batch.CollectRun] = []

    def collect() -> None:
        with sim_app.app_context():
            runs.append(collect_pending(held, now))  # type: ignore[arg-type]
            db.session.remove()

    thread = threading.Thread(target=collect)
    thread.start()
    assert held.inside.wait(30)
    response = client.delete(f"/api/products/{gone.id}", headers=auth(shop.domain))
    held.unlinked.set()
    thread.join(timeout=60)
    live_sim.configure(push_pull_latency_seconds=0)
    assert response.status_code == 204
    assert held.unlinked_inside == [True] * 3, "the unlink waited for the fetches"
    (run,) = runs
    assert (run.stored, run.abandoned) == (2, 0)
    db.session.expire_all()
    observed = db.session.scalars(select(Observation.product_id)).all()
    assert sorted(observed) == sorted([products[0].id, products[2].id])
    assert collect_pending(sim_provider(live_sim), now).stored == 0
    stats = live_sim.stats()
    assert used(shop.id) == stats["results_billed"] == stats["jobs_submitted"] == 3
