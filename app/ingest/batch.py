"""Scheduled polling through provider batches: submit, record the tickets, collect later.

A batch starts as `claimed` scrape_job rows (written by `app.ingest.polling.claim_due`).
Submitting commits an attempt on them, asks the provider with no transaction open (no row
stays locked across a call to Oxylabs: an unlink never waits on it), and commits each row's
ticket (`pending`) on the rows still there; a submit killed before that commit leaves them
`claimed`, and `unsubmitted_batches` names the batch again once its job is no longer alive.
A batch sent and never answered (a run killed after sending, an answer lost or
unreadable) is counted as billed, since the provider may have taken it and takes no
idempotency key, and never sent again under the same claims; its products are due again and
claimed (and counted) anew.

Tickets are committed to `scrape_job` before anything waits on them, so a worker that dies
mid-poll leaves pending rows that the next collect run picks up instead of paying again.
Collecting fetches the results with no transaction open (no row is locked while Oxylabs
answers), then locks each ticket still pending (SKIP LOCKED on PostgreSQL) and moves it to
`collected` in the same transaction as its observation: the same ticket is never stored twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, TextClause, func, select, text, update
from sqlalchemy.exc import DBAPIError

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

    No row stays locked while the provider is asked (up to its read timeout, 30 s): each
    attempt is committed on the claims in a short transaction, the batch is sent with no
    transaction open, and the tickets are recorded in another short one, on the claims still
    there (a product unlinked meanwhile took its claim with it: its result is billed and
    stays counted, and there is nothing to store it on). So an unlink, an uninstall or a
    collect never waits on the provider behind a submit.

    A run of the same batch at the same time submits nothing (0): while a run is with the
    provider it holds the batch's advisory lock (`_sending`; a session lock of PostgreSQL
    that dies with its connection, and locks no row). A run that finds an attempt committed
    and no run holding the lock takes the batch as sent by a run that died and billed
    (`_lost`) rather than paying for it a second time unrecorded. Nothing claimed under `key`
    (submitted already, or its products unlinked): 0. Raises RetryableError, the claims left
    as before, when the provider surely did not take the batch and may later.
    """
    with _sending(key) as ours:
        if not ours:
            return 0
        return _submit(key, provider, now)


def _submit(key: str, provider: Provider, now: datetime) -> int:
    claims = _lock_claims(key)
    if not claims:
        db.session.rollback()
        return 0
    if any(claim.attempts for claim in claims):
        _lost(claims, "a run that sent this batch stopped before recording its tickets", now)
        db.session.commit()
        return 0
    products = _active_products([claim.product_id for claim in claims])
    live = [claim for claim in claims if claim.product_id in products]
    # Paused since the claim: given up (and refunded) before the provider is asked.
    _give_up([claim for claim in claims if claim.product_id not in products], now)
    queries = [query_for(products[claim.product_id]) for claim in live]
    for claim in live:
        claim.attempts = (claim.attempts or 0) + 1
    sent = [_Sent(claim.id, claim.shop_id, claim.product_id, claim.attempts) for claim in live]
    commit_before_asking()  # the claims' locks go with the transaction
    if not sent:
        return 0
    try:
        tickets = provider.submit(queries)
    except PermanentError as error:
        metrics.scrape_failed(error, len(sent))
        _refuse(sent, error, now)
        return 0
    except UnconfirmedError as error:
        metrics.scrape_failed(error, len(sent))
        _lost(_still_sent(sent), str(error), now)
        db.session.commit()
        log.warning("batch %s: %s; its products are polled again at the next tick", key, error)
        return 0
    except RetryableError as error:
        metrics.scrape_failed(error, len(sent))
        claims = _still_sent(sent)
        for claim in claims:  # not taken, not billed: claimed as before, for the retry
            claim.attempts -= 1
        # A claim unlinked meanwhile kept its reservation (it was being sent): given back.
        _refund_sent(_gone(sent), now)
        db.session.commit()
        raise
    recorded = 0
    ticket_of = {item.claim_id: ticket for item, ticket in zip(sent, tickets, strict=True)}
    for claim in _still_sent(sent):
        ticket = ticket_of[claim.id]
        claim.provider_job_id, claim.state, claim.submitted_at = ticket.ticket_id, "pending", now
        recorded += 1
    db.session.commit()
    return recorded


@dataclass(frozen=True)
class _Sent:
    """A claim as it was sent: the attempt committed on it, and whose result it is."""

    claim_id: int
    shop_id: int
    product_id: int
    attempt: int


#: The advisory locks of batches being sent: (this namespace, hashtext(batch key)).
_SENDING_LOCKS = 0x5B1D


@contextmanager
def _sending(key: str) -> Iterator[bool]:
    """Hold the batch's advisory lock on a connection of its own, outside any transaction
    (so it locks no row), while the batch is sent; True when taken, False when another run
    holds it. The lock goes with its connection: a run killed mid-send frees it. SQLite
    (single process) has none: True."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    lock = text("SELECT pg_try_advisory_lock(:space, hashtext(:key))")
    unlock = text("SELECT pg_advisory_unlock(:space, hashtext(:key))")
    names = {"space": _SENDING_LOCKS, "key": key}
    with db.engine.connect() as connection:
        taken = bool(connection.scalar(lock, names))
        connection.commit()
        try:
            yield taken
        finally:
            if taken:
                _unlock(connection, unlock, names)


def _unlock(connection: Connection, unlock: TextClause, names: dict[str, Any]) -> None:
    """Free a batch's advisory lock; a connection lost meanwhile (PostgreSQL restarted) took
    the lock with it, which is all the unlock was for."""
    try:
        connection.scalar(unlock, names)
        connection.commit()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        log.info("the batch lock's connection was lost, and the lock with it: %s", error)


def _still_sent(sent: list[_Sent]) -> list[ScrapeJob]:
    """The claims of `sent` still there and still claimed under the attempt just made,
    locked: an unlink deleted the others, and a run that took them meanwhile (only where the
    advisory lock was lost with its connection) counted them itself."""
    if not sent:
        return []
    attempts = {item.claim_id: item.attempt for item in sent}
    if db.engine.dialect.name == "postgresql":
        # Their products first, as an unlink locks them (then the claims, by its cascade).
        products = sorted({item.product_id for item in sent})
        db.session.execute(
            select(Product.id)
            .where(Product.id.in_(products))
            .order_by(Product.id)
            .with_for_update()
        ).all()
    statement = (
        select(ScrapeJob)
        .where(ScrapeJob.id.in_(sorted(attempts)), ScrapeJob.state == "claimed")
        .order_by(ScrapeJob.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return [row for row in db.session.scalars(statement) if row.attempts == attempts[row.id]]


def _gone(sent: list[_Sent]) -> list[_Sent]:
    """The claims of `sent` deleted meanwhile (their products unlinked or their shop erased;
    a claim another run took is kept by it, and not here)."""
    there = set(
        db.session.scalars(
            select(ScrapeJob.id).where(ScrapeJob.id.in_([item.claim_id for item in sent]))
        )
    )
    return [item for item in sent if item.claim_id not in there]


def _refund_sent(sent: list[_Sent], now: datetime) -> None:
    """Give back the results reserved for claims the provider did not take (nothing billed)."""
    counts = Counter(item.shop_id for item in sent)
    shops = lock_shops(set(counts))
    for shop_id, count in counts.items():
        if shop_id in shops:
            refund(shops[shop_id], count, now)


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


def _lost(claims: list[ScrapeJob], reason: str, now: datetime) -> None:
    """Claims sent to the provider whose answer never came back whole: it may have accepted
    them, and bills their results, so their reservations stay spent; given up, with their
    products due at once, to be claimed (and counted) again by the next tick. A product
    another transaction holds (an unlink deleting it, a refresh storing its result) is left
    at its next turn: waiting for it could deadlock with an unlink, which waits for these
    very claims (its cascade deletes them)."""
    if not claims:
        return
    for claim in claims:
        claim.state, claim.error, claim.completed_at = "abandoned", reason[:500], now
    wanted = sorted({claim.product_id for claim in claims})
    if db.engine.dialect.name == "postgresql":
        free = (
            select(Product.id)
            .where(Product.id.in_(wanted))
            .order_by(Product.id)
            .with_for_update(skip_locked=True)
        )
        wanted = list(db.session.scalars(free))
    if wanted:
        db.session.execute(update(Product).where(Product.id.in_(wanted)).values(next_poll_at=now))


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


def _refuse(sent: list[_Sent], error: PermanentError, now: datetime) -> None:
    """The provider refused the batch: a person must look; nothing was billed, so every
    claim sent is given back, an unlinked product's included."""
    claims = _still_sent(sent)
    products = list(
        db.session.scalars(
            select(Product)
            .where(Product.id.in_(sorted(item.product_id for item in sent)))
            .order_by(Product.id)
        )
    )
    counts = Counter(item.shop_id for item in sent)
    shops = lock_shops(set(counts))
    errors = []
    for shop_id, shop in shops.items():
        refund(shop, counts[shop_id], now)
        mine = [product for product in products if product.shop_id == shop_id]
        if mine:
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
    """Collect up to `limit` pending tickets, oldest first; commit, then announce.

    The results are fetched with no transaction open, so no row is locked while Oxylabs
    answers (each fetch up to its 30 s read timeout): an unlink or a refresh never waits on
    it. They are stored in one short transaction, on the tickets still pending (SKIP LOCKED:
    another collect may hold them) and the products still there and free. Fetching a result
    twice costs nothing (Oxylabs bills the job, not its reads); storing it twice cannot
    happen, as a ticket leaves `pending` in the transaction that stores it.
    """
    run = CollectRun()
    asks = _pending_asks(limit)
    db.session.rollback()  # the read ends here: nothing is held while Oxylabs answers
    answers = dict(zip([ask[0] for ask in asks], _fetch_all(asks, provider, now), strict=True))
    jobs = _lock_pending(sorted(answers))
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
    for job, product in live:
        answer = answers[job.id]
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


#: A ticket to fetch: its scrape_job id, Oxylabs' job id, and the listing it asked for.
_Ask = tuple[int, str, Listing]


def _fetch_all(
    asks: list[_Ask], provider: Provider, now: datetime
) -> list[Poll | ProviderError | None]:
    """Ask for every ticket's result, a few at a time: the provider's latency dominates."""

    def fetch(ask: _Ask) -> Poll | ProviderError | None:
        try:
            return provider.collect(ask[1], ask[2], received_at=now)
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


def _pending_asks(limit: int) -> list[_Ask]:
    """Up to `limit` pending tickets, oldest first, read without locking them: the listing
    each asked for is the one its claim recorded."""
    rows = db.session.execute(
        select(ScrapeJob.id, ScrapeJob.provider_job_id, ScrapeJob.asin, ScrapeJob.marketplace)
        .where(ScrapeJob.state == "pending")
        .order_by(ScrapeJob.submitted_at, ScrapeJob.id)
        .limit(limit)
    ).all()
    return [(row.id, str(row.provider_job_id), Listing(row.asin, row.marketplace)) for row in rows]


def _lock_pending(job_ids: list[int]) -> list[ScrapeJob]:
    """These tickets, locked, those still pending (another collect may have stored some, or
    hold them: SKIP LOCKED on PostgreSQL; an unlink may have deleted some)."""
    statement = (
        select(ScrapeJob)
        .where(ScrapeJob.id.in_(job_ids), ScrapeJob.state == "pending")
        .order_by(ScrapeJob.id)
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
