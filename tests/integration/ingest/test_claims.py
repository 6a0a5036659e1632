"""Claims outlive the submit job (issue 14): a batch whose submit died with its worker, or was
lost with Redis's queues, is submitted again; a batch is never submitted twice at once, and
one sent by a run that died is counted as billed, never sent again unrecorded."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.ingest.batch import RESUBMIT_AFTER, collect_pending, submit_claimed, unsubmitted_batches
from app.ingest.jobs import collect_tickets, ingest_tick, submit_batch
from app.ingest.polling import claim_due
from app.ingest.provider import ListingQuery, OxylabsProvider, Ticket
from app.models import Observation, Product, ScrapeJob, Shop
from tests.integration.factories import make_product, make_shop
from tests.integration.ingest.support import LiveSim, sim_provider


@pytest.fixture
def sim_app(app: Flask, live_sim: LiveSim, make_app: Callable[..., Flask]) -> Iterator[Flask]:
    built = make_app(**live_sim.env())
    with built.app_context():
        yield built
        db.session.remove()


def due_products(count: int) -> list[Product]:
    shop = make_shop()
    products = [make_product(shop, asin=f"B0CLM{n:05d}") for n in range(count)]
    db.session.commit()
    return products


def claimed_keys() -> set[str]:
    rows = db.session.scalars(select(ScrapeJob.batch_key).where(ScrapeJob.state == "claimed"))
    return {key for key in rows if key is not None}


def observation_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Observation.product_id, func.count()).group_by(Observation.product_id)
    ).all()
    return {product_id: count for product_id, count in rows}


def test_a_batch_whose_submit_job_was_lost_is_submitted_again(
    sim_app: Flask, live_sim: LiveSim
) -> None:
    products = due_products(3)
    now = utcnow()
    assert ingest_tick(now) == 3
    queue = current_broker().queue("ingest")
    (key,) = claimed_keys()
    queue.empty()  # Redis restarted without its data: the submit job is gone
    db.session.rollback()

    assert ingest_tick(now + RESUBMIT_AFTER / 2) == 0
    assert queue.get_jobs() == []  # a claim this young may still be on its way to the queue
    assert ingest_tick(now + RESUBMIT_AFTER + timedelta(seconds=1)) == 0
    (job,) = queue.get_jobs()
    assert job.id == f"ingest-submit-{key}"
    assert job.args == (key,)

    assert submit_batch(key) == 3
    assert collect_tickets() == 3
    assert observation_counts() == {product.id: 1 for product in products}
    assert live_sim.stats()["jobs_submitted"] == 3
    assert unsubmitted_batches(now + timedelta(minutes=5), lambda key: False) == []


def test_a_batch_whose_submit_job_is_alive_is_left_to_it(sim_app: Flask) -> None:
    due_products(2)
    now = utcnow()
    ingest_tick(now)
    (key,) = claimed_keys()
    later = now + RESUBMIT_AFTER + timedelta(seconds=1)
    assert unsubmitted_batches(later, lambda batch: batch == key) == []
    assert unsubmitted_batches(later, lambda batch: False) == [key]


class DiesMidSubmit:
    """A provider whose process is killed while the batch is with the provider: the call
    never returns, and the transaction it ran in is never committed."""

    class Killed(BaseException):
        pass

    def __init__(self, real: OxylabsProvider) -> None:
        self.real = real

    def submit(self, queries: Sequence[ListingQuery]) -> list[Ticket]:
        self.real.submit(queries)  # the provider accepted (and will bill) the batch
        raise self.Killed


def test_a_submit_killed_after_sending_counts_the_batch_billed_and_polls_again(
    sim_app: Flask, live_sim: LiveSim
) -> None:
    products = due_products(3)
    now = utcnow()
    ingest_tick(now)
    (key,) = claimed_keys()
    provider = sim_provider(live_sim)
    with pytest.raises(DiesMidSubmit.Killed):
        submit_claimed(key, DiesMidSubmit(provider), now)  # type: ignore[arg-type]
    db.session.rollback()  # the dead process's connection: its transaction is gone

    assert claimed_keys() == {key}
    later = now + RESUBMIT_AFTER + timedelta(seconds=1)
    assert unsubmitted_batches(later, lambda batch: False) == [key]
    # The provider took the batch (it has no idempotency key, and no list of jobs to find
    # them by): the rerun does not pay for it a second time unrecorded. The batch stays
    # counted, as Oxylabs bills it, and its products are due again at once.
    assert submit_claimed(key, provider, later) == 0
    assert claimed_keys() == set()
    assert {p.next_poll_at for p in db.session.scalars(select(Product))} == {later}
    assert ingest_tick(later) == 3  # claimed, and counted, again
    (again,) = claimed_keys()
    assert submit_claimed(again, provider, later) == 3
    assert collect_pending(provider, later).stored == 3
    assert observation_counts() == {product.id: 1 for product in products}
    stats = live_sim.stats()
    assert stats["jobs_submitted"] == stats["results_billed"] == 6
    assert db.session.get(Shop, products[0].shop_id).oxylabs_results_used == 6


class HeldInSubmit:
    """A provider that holds the batch until told to answer."""

    def __init__(self, real: OxylabsProvider) -> None:
        self.real = real
        self.inside = threading.Event()
        self.answer = threading.Event()

    def submit(self, queries: Sequence[ListingQuery]) -> list[Ticket]:
        self.inside.set()
        assert self.answer.wait(30)
        return self.real.submit(queries)


def test_a_batch_is_never_submitted_twice_at_once(sim_app: Flask, live_sim: LiveSim) -> None:
    due_products(4)
    now = utcnow()
    ingest_tick(now)
    (key,) = claimed_keys()
    held = HeldInSubmit(sim_provider(live_sim))
    submitted: list[int] = []

    def first_run() -> None:
        with sim_app.app_context():
            submitted.append(submit_claimed(key, held, now))  # type: ignore[arg-type]
            db.session.remove()

    thread = threading.Thread(target=first_run)
    thread.start()
    assert held.inside.wait(30)
    # The resubmission (a retry, or the sweep) while the first run is with the provider.
    assert submit_claimed(key, sim_provider(live_sim), now) == 0
    db.session.rollback()
    held.answer.set()
    thread.join(timeout=30)
    assert submitted == [4]
    assert live_sim.stats()["jobs_submitted"] == 4
    assert claimed_keys() == set()


def test_a_product_is_not_claimed_again_while_its_claim_is_live(
    sim_app: Flask, live_sim: LiveSim
) -> None:
    """A claim left unsubmitted (its submit job waiting behind others, or lost and not yet
    swept) or submitted and uncollected (Oxylabs still working, or collect stopped) past the
    product's next due time does not claim the product a second time: one product, one poll
    in flight, one reservation."""
    products = due_products(2)
    shop_id = products[0].shop_id
    now = utcnow()
    assert sorted(claim_due(now).product_ids) == sorted(p.id for p in products)
    (key,) = claimed_keys()

    def due_again() -> datetime:
        db.session.expire_all()
        return max(p.next_poll_at for p in db.session.scalars(select(Product))) + timedelta(
            seconds=1
        )

    unsubmitted = due_again()
    assert claim_due(unsubmitted).product_ids == []  # claimed, not yet submitted
    provider = sim_provider(live_sim)
    assert submit_claimed(key, provider, unsubmitted) == 2
    uncollected = due_again()
    assert claim_due(uncollected).product_ids == []  # submitted, not yet collected
    assert db.session.get(Shop, shop_id).oxylabs_results_used == 2

    assert collect_pending(provider, uncollected).stored == 2
    # Collected: due at the next turn counted from the result, and claimed then.
    assert sorted(claim_due(due_again()).product_ids) == sorted(p.id for p in products)
    assert db.session.get(Shop, shop_id).oxylabs_results_used == 4
    assert live_sim.stats()["jobs_submitted"] == 2


class LosesTheBatchLock:
    """A provider call during which the connection holding the batch's advisory lock is cut
    (PostgreSQL restarted, or the connection killed): the lock goes with it."""

    def __init__(self, real: OxylabsProvider) -> None:
        self.real = real
        self.cut: list[int] = []

    def submit(self, queries: Sequence[ListingQuery]) -> list[Ticket]:
        with db.engine.connect() as other:
            self.cut = list(
                other.scalars(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks"
                        " WHERE locktype = 'advisory' AND granted"
                        " AND database = (SELECT oid FROM pg_database"
                        "  WHERE datname = current_database())"
                    )
                )
            )
        return self.real.submit(queries)


def test_a_batch_lock_lost_with_its_connection_fails_nothing(
    sim_app: Flask, live_sim: LiveSim
) -> None:
    products = due_products(2)
    now = utcnow()
    ingest_tick(now)
    (key,) = claimed_keys()
    provider = LosesTheBatchLock(sim_provider(live_sim))
    assert submit_claimed(key, provider, now) == 2  # type: ignore[arg-type]
    assert provider.cut == [True]
    # The lock is free again: a later run of the batch finds it submitted.
    assert submit_claimed(key, sim_provider(live_sim), now) == 0
    assert collect_pending(sim_provider(live_sim), now).stored == 2
    assert observation_counts() == {product.id: 1 for product in products}
    assert live_sim.stats()["jobs_submitted"] == 2
