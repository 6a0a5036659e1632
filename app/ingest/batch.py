"""Scheduled polling through provider batches: submit, record the tickets, collect later.

Tickets are committed to `scrape_job` before anything waits on them, so a worker that dies
mid-poll leaves pending rows that the next collect run picks up instead of paying again.
Collecting locks each pending row (SKIP LOCKED on PostgreSQL) and moves it to `collected`
in the same transaction as its observation: the same ticket is never stored twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text

from app.extensions import db
from app.ingest.asin import Listing
from app.ingest.budget import lock_shops, refund
from app.ingest.policy import next_poll_at
from app.ingest.provider import (
    FaultedJobError,
    PermanentError,
    Poll,
    Provider,
    ProviderError,
    RetryableError,
    Ticket,
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

COLLECT_CHUNK = 200
#: Results fetched at once: each waits on the provider, not on this process.
FETCH_THREADS = 8


def submit_products(product_ids: Sequence[int], provider: Provider, now: datetime) -> int:
    """Submit one batch (one marketplace and geo) and commit its tickets; how many."""
    products = _active_products(product_ids)
    if len(products) < len(product_ids):
        _refund_missing(product_ids, products, now)
    if not products:
        return 0
    queries = [query_for(product) for product in products]
    try:
        tickets = provider.submit(queries)
    except PermanentError as error:
        metrics.scrape_failed(error, len(products))
        _refuse(products, error, now)
        return 0
    except RetryableError as error:
        metrics.scrape_failed(error, len(products))
        db.session.rollback()
        raise
    db.session.add_all(
        _scrape_job(product, ticket, now) for product, ticket in zip(products, tickets, strict=True)
    )
    db.session.commit()
    return len(tickets)


def _active_products(product_ids: Sequence[int]) -> list[Product]:
    statement = select(Product).where(Product.id.in_(product_ids), Product.status == "active")
    return list(db.session.scalars(statement.order_by(Product.id)))


def _refund_missing(product_ids: Sequence[int], products: list[Product], now: datetime) -> None:
    """Unlinked or paused since the claim: give their reserved results back."""
    kept = {product.id for product in products}
    gone = [pid for pid in product_ids if pid not in kept]
    # A product deleted since the claim took its shop id along; its result stays counted.
    counts = db.session.execute(
        select(Product.shop_id, func.count()).where(Product.id.in_(gone)).group_by(Product.shop_id)
    ).all()
    shops = lock_shops({shop_id for shop_id, _ in counts})
    for shop_id, count in counts:
        refund(shops[shop_id], int(count), now)
    db.session.commit()


def _refuse(products: list[Product], error: PermanentError, now: datetime) -> None:
    """The provider refused the batch: a person must look; nothing was billed."""
    shops = lock_shops({product.shop_id for product in products})
    errors = []
    for shop_id, shop in shops.items():
        mine = [product for product in products if product.shop_id == shop_id]
        refund(shop, len(mine), now)
        errors += needs_person(mine, shop, error, now)
    db.session.commit()
    publish_errors(errors)


def _scrape_job(product: Product, ticket: Ticket, now: datetime) -> ScrapeJob:
    return ScrapeJob(
        provider_job_id=ticket.ticket_id,
        shop_id=product.shop_id,
        product_id=product.id,
        asin=product.asin,
        marketplace=product.marketplace,
        state="pending",
        submitted_at=now,
    )


@dataclass
class CollectRun:
    stored: int = 0
    not_ready: int = 0
    faulted: int = 0
    abandoned: int = 0
    stopped_by: str | None = None
    announced: list[Stored] = field(default_factory=list)
    # Faulted jobs were not billed; refunds are applied at the end, shops locked in id order.
    refunds: Counter[int] = field(default_factory=Counter)


def collect_pending(provider: Provider, now: datetime, limit: int = COLLECT_CHUNK) -> CollectRun:
    """Collect up to `limit` pending tickets, oldest first; commit, then announce."""
    run = CollectRun()
    jobs = _lock_pending(limit)
    products = _lock_products({job.product_id for job in jobs})
    live = []
    for job in jobs:
        if job.product_id in products:
            live.append((job, products[job.product_id]))
        else:
            job.state, job.error = "abandoned", "the product was unlinked"
            run.abandoned += 1
    kept: list[tuple[Product, Observation, bool]] = []
    for (job, product), answer in zip(live, _fetch_all(live, provider, now), strict=True):
        job.attempts = (job.attempts or 0) + 1
        if isinstance(answer, Poll):
            row, trusted = record_poll(product, answer, now)
            job.state, job.completed_at = "collected", now
            kept.append((product, row, trusted))
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
        (job.provider_job_id, Listing(product.asin, product.marketplace)) for job, product in live
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


def _lock_products(product_ids: set[int]) -> dict[int, Product]:
    if not product_ids:
        return {}
    statement = select(Product).where(Product.id.in_(sorted(product_ids))).order_by(Product.id)
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return {product.id: product for product in db.session.scalars(statement)}


def pending_count() -> int:
    return int(db.session.scalar(select(func.count()).where(ScrapeJob.state == "pending")) or 0)
