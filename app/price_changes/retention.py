"""How long the price-change history keeps what, swept by the scheduler (`pricing-retention`).

A product's list and detail rows never depend on how long its history is: its latest change is
two index probes (ix_price_change_live, uq_price_change_open_per_product; see summary.py), so
no pointer column has to be kept in step. What grows without bound is the history itself: every
poll whose quote moved writes a change, and each change four or five transition rows. The
policy, after RETENTION (90 days) since a change last moved:

- `superseded` changes are deleted with their transitions. Each was replaced by a newer quote
  before it reached Shopify: it changed nothing, and the change that replaced it is the record.
  (The chart's proposed-price line loses those points after 90 days; its default span is 30.)
- `pushed`, `failed` and `rejected` changes are kept: they are the merchant's audit (what
  PriceBridge wrote to Shopify and Shopify's answer, what failed, what a person refused; a
  rejected quote also keeps the same quote from being proposed again). Their transitions are
  compacted to the first (how the change was proposed, with its rules) and the last (the
  outcome, its actor and detail); who approved or rejected stays on the change itself.
- open changes (proposed, approved, held) and `pushing` ones are never touched.

Each batch is its own transaction, found through a partial index over exactly the rows due
(migration 0012), so a sweep reads nothing it does not delete or compact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import and_, delete, func, select, update

from app.clock import utcnow
from app.extensions import db
from app.jobs.decorators import job
from app.models import PriceChange, PriceChangeEvent

RETENTION: Final = timedelta(days=90)
BATCH: Final = 1000
KEPT_STATES: Final = ("pushed", "failed", "rejected")


@dataclass
class Swept:
    deleted: int = 0  # superseded changes deleted (with their transitions)
    compacted: int = 0  # finished changes whose intermediate transitions were dropped
    transitions_deleted: int = 0


def sweep(now: datetime, *, retention: timedelta = RETENTION, batch: int = BATCH) -> Swept:
    """Apply the policy to every change that last moved before `now - retention`."""
    cutoff = now - retention
    swept = Swept()
    while (deleted := _delete_superseded(cutoff, batch)) > 0:
        swept.deleted += deleted
    while True:
        changes, transitions = _compact(cutoff, now, batch)
        if not changes:
            return swept
        swept.compacted += changes
        swept.transitions_deleted += transitions


def _delete_superseded(cutoff: datetime, batch: int) -> int:
    ids = list(
        db.session.scalars(
            select(PriceChange.id)
            .where(PriceChange.state == "superseded", PriceChange.updated_at < cutoff)
            .order_by(PriceChange.updated_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        # Explicitly, not by the foreign key's cascade: SQLite enforces it only when told.
        db.session.execute(
            delete(PriceChangeEvent).where(PriceChangeEvent.price_change_id.in_(ids))
        )
        db.session.execute(delete(PriceChange).where(PriceChange.id.in_(ids)))
    db.session.commit()
    return len(ids)


def _compact(cutoff: datetime, now: datetime, batch: int) -> tuple[int, int]:
    ids = list(
        db.session.scalars(
            select(PriceChange.id)
            .where(
                PriceChange.state.in_(KEPT_STATES),
                PriceChange.history_compacted_at.is_(None),
                PriceChange.updated_at < cutoff,
            )
            .order_by(PriceChange.updated_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        db.session.commit()
        return 0, 0
    bounds = (
        select(
            PriceChangeEvent.price_change_id,
            func.min(PriceChangeEvent.id).label("first"),
            func.max(PriceChangeEvent.id).label("last"),
        )
        .where(PriceChangeEvent.price_change_id.in_(ids))
        .group_by(PriceChangeEvent.price_change_id)
        .subquery()
    )
    middle = select(PriceChangeEvent.id).join(
        bounds,
        and_(
            bounds.c.price_change_id == PriceChangeEvent.price_change_id,
            PriceChangeEvent.id > bounds.c.first,
            PriceChangeEvent.id < bounds.c.last,
        ),
    )
    removed = db.session.execute(delete(PriceChangeEvent).where(PriceChangeEvent.id.in_(middle)))
    db.session.execute(
        update(PriceChange)
        .where(PriceChange.id.in_(ids))
        # updated_at says when the change last moved: compaction is not a move.
        .values(history_compacted_at=now, updated_at=PriceChange.updated_at)
    )
    db.session.commit()
    return len(ids), int(getattr(removed, "rowcount", 0) or 0)


@job("default", timeout=1800, job_id=lambda: "price-change-retention")
def sweep_history() -> dict[str, int]:
    """The sweep as a job (one at a time: a fixed job id); what it deleted and compacted."""
    swept = sweep(utcnow())
    return {
        "deleted": swept.deleted,
        "compacted": swept.compacted,
        "transitions_deleted": swept.transitions_deleted,
    }


def enqueue_sweep(now: datetime) -> None:
    """Periodic (`pricing-retention`, hourly): the sweep runs on a worker, not the scheduler."""
    sweep_history.enqueue()
