"""Choosing which products to poll now, within each shop's budget, and cutting them into batches.

On PostgreSQL the claim is `SELECT ... FOR UPDATE SKIP LOCKED` walking the partial index
`ix_product_due` in `next_poll_at` order and stopping after `limit` rows, so its cost grows
with the number due, not the number linked, and two claimers never take the same product.
SQLite has no row locks: there each row is taken with a compare-and-set on `next_poll_at`.

The claim is durable: in the transaction that moves each product's next poll and reserves its
shop's budget, every claimed product gets a `scrape_job` row in state `claimed` carrying its
batch's key. Submitting a batch turns those rows into tickets (`app.ingest.batch`); a batch
whose submit job died (a killed worker, a Redis that lost its queues) still has its rows, and
`app.ingest.batch.unsubmitted_batches` finds them for the scheduler to submit again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, exists, insert, select, text, update

from app.clock import utcnow
from app.extensions import current_settings, db
from app.ingest.budget import lock_shops, reserve
from app.ingest.oxylabs import MAX_BATCH
from app.ingest.policy import PollState, batches, next_month_start, next_poll_at
from app.models import Product, ScrapeJob
from app.models.scrape_job import LIVE_STATES

#: At most this many products are claimed per tick; the rest wait for the next one.
CLAIM_LIMIT = 5000
#: A product of an uninstalled shop is looked at again after this long (it may come back).
UNINSTALLED_RECHECK = timedelta(days=1)
_COLUMNS = (
    Product.id,
    Product.shop_id,
    Product.asin,
    Product.next_poll_at,
    Product.marketplace,
    Product.delivery_location,
    Product.polling_tier,
    Product.poll_interval_override_seconds,
    Product.price_changed_at,
    Product.created_at,
    Product.failed_polls,
)

_NEXT_POLLS = text(
    "UPDATE product SET next_poll_at = v.next_poll_at, updated_at = :now"
    " FROM unnest(CAST(:ids AS bigint[]), CAST(:next AS timestamptz[]))"
    " AS v(id, next_poll_at) WHERE product.id = v.id"
)


@dataclass(frozen=True)
class ClaimedBatch:
    """Claimed products that go to the provider together (one marketplace and geo), under the
    key their `scrape_job` rows carry."""

    key: str
    product_ids: list[int]


@dataclass
class Claim:
    """The products to poll now, cut into batches, and what was skipped."""

    batches: list[ClaimedBatch] = field(default_factory=list)
    over_budget: list[int] = field(default_factory=list)
    uninstalled: list[int] = field(default_factory=list)

    @property
    def product_ids(self) -> list[int]:
        return [product_id for batch in self.batches for product_id in batch.product_ids]


def claim_due(now: datetime, limit: int = CLAIM_LIMIT, batch_size: int = MAX_BATCH) -> Claim:
    """Claim up to `limit` due products, spend their shops' budgets, record each claim as a
    `claimed` scrape_job row of its batch (at most `batch_size` products, one marketplace and
    geo each), and commit."""
    rows = _claim_rows(now, limit)
    claim = Claim()
    shops = lock_shops({row.shop_id for row in rows})
    updates: list[dict[str, Any]] = []
    granted_rows: list[Row[Any]] = []
    for shop_id in sorted(shops.keys() | {row.shop_id for row in rows}):
        mine = [row for row in rows if row.shop_id == shop_id]
        shop = shops.get(shop_id)
        if shop is None or shop.uninstalled_at is not None:
            claim.uninstalled += [row.id for row in mine]
            updates += [{"id": row.id, "next_poll_at": now + UNINSTALLED_RECHECK} for row in mine]
            continue
        granted = reserve(shop, len(mine), now)
        granted_rows += mine[:granted]
        updates += [
            {"id": row.id, "next_poll_at": next_poll_at(_state(row), now)} for row in mine[:granted]
        ]
        # Over budget: nothing more can be spent before the month turns.
        claim.over_budget += [row.id for row in mine[granted:]]
        updates += [{"id": row.id, "next_poll_at": next_month_start(now)} for row in mine[granted:]]
    claim.batches = _record_claims(granted_rows, now, batch_size)
    _set_next_polls(updates)
    db.session.commit()
    return claim


def batch_key(now: datetime, first_product_id: int) -> str:
    """A batch's key: when it was claimed and its first product (unique: a product is in one
    claim at a time, and its next claim is at least `MIN_INTERVAL` later)."""
    return f"{now:%Y%m%dT%H%M%S%f}-{first_product_id}"


def _record_claims(rows: list[Row[Any]], now: datetime, size: int) -> list[ClaimedBatch]:
    grouped = batches(rows, key=lambda row: (row.marketplace, _geo(row)), size=size)
    claimed = [
        ClaimedBatch(batch_key(now, members[0].id), [row.id for row in members])
        for _, members in grouped
    ]
    values = [
        {
            "batch_key": batch.key,
            "shop_id": row.shop_id,
            "product_id": row.id,
            "asin": row.asin,
            "marketplace": row.marketplace,
            "state": "claimed",
            "attempts": 0,
            "submitted_at": now,
        }
        for batch, (_, members) in zip(claimed, grouped, strict=True)
        for row in members
    ]
    if values:
        db.session.execute(insert(ScrapeJob), values)
    return claimed


def _set_next_polls(updates: list[dict[str, Any]]) -> None:
    if not updates:
        return
    if db.engine.dialect.name != "postgresql":
        db.session.execute(update(Product), updates)
        return
    # One UPDATE joined to two arrays instead of a thousand single-row UPDATEs; arrays rather
    # than a VALUES list of 2,000 parameters, which SQLAlchemy compiled and psycopg parsed
    # afresh on every claim (most of its time). `updated_at` as the ORM's onupdate sets it.
    db.session.execute(
        _NEXT_POLLS,
        {
            "ids": [item["id"] for item in updates],
            "next": [item["next_poll_at"] for item in updates],
            "now": utcnow(),
        },
    )


def due_statement(now: datetime, limit: int) -> Select[Any]:
    """The active products due at ``now`` with no poll in flight, earliest first, at most
    ``limit``: what a claim reads (the benchmark EXPLAINs it).

    A product whose last claim is still unsubmitted or uncollected past its next due time
    (its submit job queued behind others or lost, Oxylabs slow, collecting stopped) is not
    claimed a second time: it would be reserved and billed twice for one turn. It stays due,
    and is claimed once that poll is collected (which moves its next poll on) or given up.
    The partial index `ix_scrape_job_live_product` answers the check per product."""
    in_flight = exists().where(ScrapeJob.product_id == Product.id, ScrapeJob.state.in_(LIVE_STATES))
    return (
        select(*_COLUMNS)
        .where(Product.status == "active", Product.next_poll_at <= now, ~in_flight)
        .order_by(Product.next_poll_at)
        .limit(limit)
    )


def _claim_rows(now: datetime, limit: int) -> Sequence[Row[Any]]:
    statement = due_statement(now, limit)
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(statement.with_for_update(skip_locked=True, of=Product)).all()
    claimed = []
    for row in db.session.execute(statement).all():
        taken = db.session.execute(
            update(Product)
            .where(Product.id == row.id, Product.next_poll_at == row.next_poll_at)
            .values(next_poll_at=next_poll_at(_state(row), now))
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(row)
    return claimed


def _state(row: Row[Any]) -> PollState:
    return PollState(
        tier=row.polling_tier,
        override_seconds=row.poll_interval_override_seconds,
        price_changed_at=row.price_changed_at,
        tracked_since=row.created_at,
        failures=row.failed_polls or 0,
    )


def _geo(row: Row[Any]) -> str | None:
    if row.delivery_location:
        return str(row.delivery_location)
    return current_settings().delivery_locations.get(row.marketplace)
