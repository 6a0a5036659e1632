"""The price-change history's retention: old superseded changes go, old finished changes keep
their first and last transitions, open and recent ones are untouched, the list still shows
each product's latest change, and a second sweep finds nothing to do."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, PriceChangeEvent, Product
from app.price_changes.retention import RETENTION, sweep
from app.price_changes.summary import pricing_summary
from tests.integration.factories import make_product, make_shop

_keys = iter(range(1_000_000))

LIFECYCLES = {
    "pushed": ["proposed", "approved", "pushing", "pushed"],
    "failed": ["proposed", "approved", "pushing", "failed"],
    "rejected": ["proposed", "rejected"],
    "superseded": ["proposed", "superseded"],
    "held": ["held"],
    "proposed": ["proposed"],
}


def change(product: Product, state: str, age: timedelta) -> int:
    """A change that reached `state` `age` ago, with every transition on record."""
    at = utcnow() - age
    row = PriceChange(
        shop_id=product.shop_id,
        product_id=product.id,
        state=state,
        proposed_price=Decimal("20.00"),
        currency="USD",
        idempotency_key=f"retention-{next(_keys)}",
        created_at=at - timedelta(hours=1),
        updated_at=at,
    )
    db.session.add(row)
    db.session.flush()
    previous = None
    for step, to_state in enumerate(LIFECYCLES[state]):
        db.session.add(
            PriceChangeEvent(
                shop_id=product.shop_id,
                price_change_id=row.id,
                from_state=previous,
                to_state=to_state,
                actor="auto" if step else "merchant",
                at=at - timedelta(minutes=10 - step),
            )
        )
        previous = to_state
    return row.id


def transitions(change_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(PriceChangeEvent.to_state)
            .where(PriceChangeEvent.price_change_id == change_id)
            .order_by(PriceChangeEvent.id)
        )
    )


def test_old_superseded_go_old_finished_are_compacted_the_rest_stays(app: Flask) -> None:
    shop = make_shop()
    product, other = make_product(shop), make_product(shop)
    old, recent = RETENTION + timedelta(days=1), RETENTION - timedelta(days=1)
    ids = {
        "old_superseded": change(product, "superseded", old),
        "recent_superseded": change(product, "superseded", recent),
        "old_pushed": change(product, "pushed", old),
        "old_failed": change(product, "failed", old),
        "old_rejected": change(product, "rejected", old),
        "recent_pushed": change(product, "pushed", recent),
        "old_held": change(other, "held", old),
        # The product's newest change (its id is the highest): compacted, still what the list shows.
        "newest_pushed": change(product, "pushed", old - timedelta(days=1)),
    }
    db.session.commit()
    updated_before = db.session.get(PriceChange, ids["old_pushed"]).updated_at  # type: ignore[union-attr]

    swept = sweep(utcnow(), batch=2)  # small batches: the loop, not one statement

    assert (swept.deleted, swept.compacted) == (1, 4)
    assert swept.transitions_deleted == 2 + 2 + 2  # pushed, failed, newest pushed: 2 each
    db.session.expire_all()
    assert db.session.get(PriceChange, ids["old_superseded"]) is None
    assert transitions(ids["old_superseded"]) == []
    assert transitions(ids["recent_superseded"]) == ["proposed", "superseded"]
    assert transitions(ids["old_pushed"]) == ["proposed", "pushed"]
    assert transitions(ids["old_failed"]) == ["proposed", "failed"]
    assert transitions(ids["old_rejected"]) == ["proposed", "rejected"]  # nothing between
    assert transitions(ids["recent_pushed"]) == ["proposed", "approved", "pushing", "pushed"]
    assert transitions(ids["old_held"]) == ["held"]
    kept = db.session.get(PriceChange, ids["old_pushed"])
    assert kept is not None
    assert kept.history_compacted_at is not None
    assert kept.updated_at == updated_before  # compaction is not a move of the change
    # The list's latest change for each product is what it was.
    summaries = pricing_summary([product.id, other.id])
    assert summaries[product.id]["change"]["id"] == ids["newest_pushed"]
    assert summaries[other.id]["change_state"] == "held"

    again = sweep(utcnow())
    assert (again.deleted, again.compacted, again.transitions_deleted) == (0, 0, 0)
    count = db.session.scalar(select(func.count()).select_from(PriceChange))
    assert count == len(ids) - 1
