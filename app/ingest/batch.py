"""Scheduled polling through provider batches: submit, record the tickets, collect later.

A batch starts as `claimed` scrape_job rows (written by `app.ingest.polling.claim_due`).
Submitting locks them, asks the provider, and commits each row's ticket (`pending`); a submit
killed before that commit leaves them `claimed`, and `unsubmitted_batches` names the batch
again once its job is no longer alive. Each attempt is committed on the claims before the
batch is sent: a batch sent and never answered (a run killed after sending, an answer lost or
unreadable) is counted as billed, since the provider may have taken it and takes no
idempotency key, and never sent again under the same claims; its products are due again and
claimed (and counted) anew.

Tickets are committed to `scrape_job` before anything waits on them, so a worker that dies
mid-poll leaves pending rows that the next collect run picks up instead of paying again.
Collecting locks each pending row (SKIP LOCKED on PostgreSQL) and moves it to `collected`
in the same transaction as its observation: the same ticket is never stored twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update

from app.extensions import db
from app.ingest.asin import Listing
from app.ingest.budget import commit_before_asking, lock_shops, refund
from app.ingest.policy import next_poll_at
from app.ingest.polling import batch_key
from app.ingest.provider import (
    FaultedJobError,
    PermanentError,
    Poll,
    Provider,
    ProviderError,
    RetryableError,
    UnconfirmedError,
)
from app.ingest.record import (
    Stored,
    announce,
    needs_person,
    poll_state,
    publish_errors,
    query_for,
    record_poll,
    stored,
)
from app.models import Observation, Product, ScrapeJob
from app.observability import metrics

log = logging.getLogger(__name__)

COLLECT_CHUNK = 200
#: A batch claimed this long ago and still unsubmitted, with no live submit job, is submitted
#: again. Only a claim committed a moment before its job was enqueued is younger.
RESUBMIT_AFTER = timedelta(seconds=10)
#: Results fetched at once: each waits on the provider, not on this process.
FETCH_THREADS = 8


def submit_products(product_ids: Sequence[int], provider: Provider, now: datetime) -> int:
    """Claim these products as one batch (one marketplace and geo) and submit it at once; how
    many tickets were committed. The scheduler claims through `claim_due` instead, which also
    moves the products' next polls and reserves their budget. A product paused meanwhile is
    given up and its reserved result refunded, as in a scheduled batch."""
    statement = select(Product).where(Product.id.in_(product_ids)).order_by(Product.id)
    products = list(db.session.scalars(statement))
    if not products:
        return 0
    key = batch_key(now, products[0].id)
    db.session.add_all(_claim(product, key, now) for product in products)
    db.session.commit()
    return submit_claimed(key, provider, now)


def submit_claimed(key: str, provider: Provider, now: datetime) -> int:
    """Submit the claimed rows of batch `key` and commit their tickets; how many.

    The rows stay locked (`FOR UPDATE SKIP LOCKED`) from before the provider is asked until
    its tickets are committed, so a second run of the same batch finds nothing to submit while
    the first is alive. Each attempt is committed on the rows before the batch is sent: a run
    killed after sending leaves it there, and the next run takes the batch as billed and lost
    (`_lost`) rather than paying for it a second time unrecorded. Nothing claimed under `key`
    (submitted already, or its products unlinked): 0. Raises RetryableError, the rows claimed
    as before, when the provider surely did not take the batch and may later.
    """
    claims = _lock_claims(key)
    if not claims:
        return 0
    if any(claim.attempts for claim in claims):
        _lost(claims, "a run that sent this batch stopped before recording its tickets", now)
        db.session.commit()
        return 0
    products = _active_products([claim.product_id for claim in claims])
    live = [claim for claim in claims if claim.product_id in products]
    # Paused since the claim: given up (and refunded) before the provider is asked, so that
    # no shop row is locked while it works.
    _give_up([claim for claim in claims if claim.product_id not in products], now)
    queries = [query_for(products[claim.product_id]) for claim in live]
    for claim in live:
        claim.attempts = (claim.attempts or 0) + 1
    attempts = {claim.id: claim.attempts for claim in live}
    commit_before_asking()
    live = _relock(attempts)
    if not live:
        return 0
    try:
        tickets = provider.submit(queries)
    except PermanentError as error:
        metrics.scrape_failed(error, len(live))
        _refuse(live, error, now)
        return 0
    except UnconfirmedError as error:
        metrics.scrape_failed(error, len(live))
        _lost(live, str(error), now)
        db.session.commit()
        log.warning("batch %s: %s; its products are polled again at the next tick", key, error)
        return 0
    except RetryableError as error:
        metrics.scrape_failed(error, len(live))
        for claim in live:  # not taken, not billed: claimed as before, for the retry
            claim.attempts -= 1
        db.session.commit()
        raise
    for claim, ticket in zip(live, tickets, strict=True):
        claim.provider_job_id, claim.state, claim.submitted_at = ticket.ticket_id, "pending", now
    db.session.commit()
    return len(tickets)


def unsubmitted_batches(now: datetime, alive: Callable[[str], bool]) -> list[str]:
    """Keys of batches claimed more than `RESUBMIT_AFTER` ago and still not submitted whose
    submit job is not `alive` (waiting, or running with a current heartbeat): the worker that
    ran it was killed, or Redis lost it. Oldest first; the caller submits them again."""
    rows = db.session.execute(
        select(ScrapeJob.batch_key, func.min(ScrapeJob.submitted_at))
        .where(ScrapeJob.state == "claimed", ScrapeJob.submitted_at < now - RESUBMIT_AFTER)
        .group_by(ScrapeJob.batch_key)
        .order_by(func.min(ScrapeJob.submitted_at))
    ).all()
    return [key for key, _ in rows if key is not None and not alive(key)]


def _claim(product: Product, key: str, now: datetime) -> ScrapeJob:
    return ScrapeJob(
        batch_key=key,
        shop_id=product.shop_id,
        product_id=product.id,
        asin=product.asin,
        marketplace=product.marketplace,
        state="claimed",
        attempts=0,
        submitted_at=now,
    )


def _lock_claims(key: str) -> list[ScrapeJob]:
    statement = (
        select(ScrapeJob)
        .where(ScrapeJob.batch_key == key, ScrapeJob.state == "claimed")
        .order_by(ScrapeJob.id)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list(db.session.scalars(statement))


def _relock(attempts: dict[int, int]) -> list[ScrapeJob]:
    """The claims of `attempts` (id: the attempt just recorded) again, locked, still claimed
    with that attempt (a run that took them meanwhile counts them lost itself)."""
    if not attempts:
        return []
    statement = (
        select(ScrapeJob)
        .where(ScrapeJob.id.in_(sorted(attempts)), ScrapeJob.state == "claimed")
        .order_by(ScrapeJob.id)
        .execution_options(populate_existing=True)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    locked = [row for row in db.session.scalars(statement) if row.attempts == attempts[row.id]]
    if len(locked) != len(attempts):
        db.session.rollback()
        return []
    return locked


def _lost(claims: list[ScrapeJob], reason: str, now: datetime) -> None:
    """Claims sent to the provider whose answer never came back whole: it may have accepted
    them, and bills their results, so their reservations stay spent; given up, with their
    products due at once, to be claimed (and counted) again by the next tick."""
    for claim in claims:
        claim.state, claim.error, claim.completed_at = "abandoned", reason[:500], now
    db.session.execute(
        update(Product)
        .where(Product.id.in_(sorted({claim.product_id for claim in claims})))
        .values(next_poll_at=now)
    )


def _active_products(product_ids: Sequence[int]) -> dict[int, Product]:
    statement = select(Product).where(Product.id.in_(product_ids), Product.status == "active")
    return {product.id: product for product in db.session.scalars(statement.order_by(Product.id))}


def _give_up(claims: list[ScrapeJob], now: datetime) -> None:
    """Claims of products paused since: abandoned, and their reserved results given back."""
    if not claims:
        return
    reason = "the product was paused before its poll was submitted"
    counts = Counter(claim.shop_id for claim in claims)
    shops = lock_shops(set(counts))
    for shop_id, count in counts.items():
        if shop_id in shops:
            refund(shops[shop_id], count, now)
    for claim in claims:
        claim.state, claim.error, claim.completed_at = "abandoned", reason, now


def _refuse(claims: list[ScrapeJob], error: PermanentError, now: datetime) -> None:
    """The provider refused the batch: a person must look; nothing was billed."""
    products = list(
        db.session.scalars(
            select(Product)
            .where(Product.id.in_(sorted(claim.product_id for claim in claims)))
            .order_by(Product.id)
        )
    )
    shops = lock_shops({product.shop_id for product in products})
    errors = []
    for shop_id, shop in shops.items():
        mine = [product for product in products if product.shop_id == shop_id]
        refund(shop, len(mine), now)
        errors += needs_person(mine, shop, error, now)
    for claim in claims:
        claim.state, claim.error, claim.completed_at = "abandoned", str(error)[:500], now
    db.session.commit()
    publish_errors(errors)


@dataclass
class CollectRun:
    stored: int = 0
    not_ready: int = 0
    faulted: int = 0
    abandoned: int = 0
    stopped_by: str | None = None
    announced: list[Stored] = field(default_factory=list)
    # Faulted jobs and unbilled results: refunds applied at the end, shops locked in id order.
    refunds: Counter[int] = field(default_factory=Counter)


def collect_pending(provider: Provider, now: datetime, limit: int = COLLECT_CHUNK) -> CollectRun:
    """Collect up to `limit` pending tickets, oldest first; commit, then announce."""
    run = CollectRun()
    jobs = _lock_pending(limit)
    products, busy = _lock_products({job.product_id for job in jobs})
    live = []
    for job in jobs:
        if job.product_id in products:
            live.append((job, products[job.product_id]))
        elif job.product_id not in busy:
            job.state, job.error = "abandoned", "the product was unlinked"
            run.abandoned += 1
        # A product another transaction holds (an unlink deleting it, a refresh storing) is
        # left for the next run: waiting for it could deadlock with an unlink, which waits
        # for these very tickets (its cascade deletes them).
    kept: list[tuple[Product, Observation, bool]] = []
    for (job, product), answer in zip(live, _fetch_all(live, provider, now), strict=True):
        job.attempts = (job.attempts or 0) + 1
        if isinstance(answer, Poll):
            row, trusted = record_poll(product, answer, now)
            job.state, job.completed_at = "collected", now
            kept.append((product, row, trusted))
            if not answer.billed:  # a result the provider does not charge for
                run.refunds[product.shop_id] += 1
        else:
            _not_collected(job, product, answer, now, run)
    _take_ids([row for _, row, _ in kept])
    db.session.flush()  # one round of INSERTs for the chunk
    run.announced = [stored(product, row, trusted) for product, row, trusted in kept]
    run.stored = len(kept)
    shops = lock_shops(set(run.refunds))
    for shop_id, results in run.refunds.items():
        refund(shops[shop_id], results, now)
    db.session.commit()
    announce(run.announced)
    return run


def _take_ids(rows: list[Observation]) -> None:
    """On PostgreSQL, number the chunk's rows from the sequence in one round trip: with their
    ids known the rows go in as one pipelined executemany of a short prepared INSERT, not as
    one INSERT ... RETURNING of thousands of parameters that the driver parses in Python."""
    if not rows or db.engine.dialect.name != "postgresql":
        return
    ids = db.session.scalars(
        text(
            "SELECT nextval(pg_get_serial_sequence('observation', 'id'))"
            " FROM generate_series(1, :n)"
        ),
        {"n": len(rows)},
    ).all()
    for row, row_id in zip(rows, sorted(ids), strict=True):
        row.id = row_id


def _fetch_all(
    live: list[tuple[ScrapeJob, Product]], provider: Provider, now: datetime
) -> list[Poll | ProviderError | None]:
    """Ask for every ticket's result, a few at a time: the provider's latency dominates."""
    asks = [
        (str(job.provider_job_id), Listing(product.asin, product.marketplace))
        for job, product in live
    ]

    def fetch(ask: tuple[str, Listing]) -> Poll | ProviderError | None:
        try:
            return provider.collect(ask[0], ask[1], received_at=now)
        except ProviderError as error:
            metrics.scrape_failed(error)
            return error

    if len(asks) <= 1:
        return [fetch(ask) for ask in asks]
    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, len(asks))) as pool:
        return list(pool.map(fetch, asks))


def _not_collected(
    job: ScrapeJob,
    product: Product,
    answer: ProviderError | None,
    now: datetime,
    run: CollectRun,
) -> None:
    if answer is None:
        run.not_ready += 1
    elif isinstance(answer, FaultedJobError):
        _fault(job, product, str(answer), now)
        run.faulted += 1
        run.refunds[product.shop_id] += 1
    elif isinstance(answer, PermanentError):
        # The ticket is gone (expired, refused): poll the product again at its next turn.
        job.state, job.error, job.completed_at = "abandoned", str(answer)[:500], now
        run.abandoned += 1
    else:  # retryable: the ticket stays pending for the next run
        run.stopped_by = str(answer)


def _fault(job: ScrapeJob, product: Product, error: str, now: datetime) -> None:
    """A job that faulted produced no result: not billed, and retried after a backoff."""
    job.state, job.error, job.completed_at = "faulted", error[:500], now
    product.failed_polls = (product.failed_polls or 0) + 1
    product.next_poll_at = next_poll_at(poll_state(product), now)


def _lock_pending(limit: int) -> list[ScrapeJob]:
    statement = (
        select(ScrapeJob)
        .where(ScrapeJob.state == "pending")
        .order_by(ScrapeJob.submitted_at, ScrapeJob.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list(db.session.scalars(statement))


def _lock_products(product_ids: set[int]) -> tuple[dict[int, Product], set[int]]:
    """The products that exist and are free, locked; and those held by another transaction
    (SKIP LOCKED on PostgreSQL). A product in neither was deleted."""
    if not product_ids:
        return {}, set()
    statement = select(Product).where(Product.id.in_(sorted(product_ids))).order_by(Product.id)
    if db.engine.dialect.name != "postgresql":
        return {product.id: product for product in db.session.scalars(statement)}, set()
    locked = {
        product.id: product
        for product in db.session.scalars(statement.with_for_update(skip_locked=True))
    }
    unlocked = sorted(product_ids - set(locked))
    busy = set(db.session.scalars(select(Product.id).where(Product.id.in_(unlocked))))
    return locked, busy


def pending_count() -> int:
    return int(db.session.scalar(select(func.count()).where(ScrapeJob.state == "pending")) or 0)
