"""A push left `pushing` by a dead worker is recovered once its push job's heartbeat lapses,
not after the five-minute lease (issue 14: 357 s after a kill, 314 s after a Redis restart)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Flask

from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, Shop
from app.push import jobs
from app.push.reconcile import PUSH_LEASE, RECOVERY_GRACE, abandoned_shops
from tests.integration.factories import make_product, make_shop
from tests.integration.jobs.test_liveness import expire_heartbeat, start


def shop_pushing_since(seconds: float) -> Shop:
    shop = make_shop(currency="USD", installed_at=utcnow() - timedelta(days=1))
    product = make_product(shop)
    at = utcnow() - timedelta(seconds=seconds)
    db.session.add(
        PriceChange(
            shop_id=shop.id,
            product_id=product.id,
            state="pushing",
            proposed_price=Decimal("12.00"),
            currency="USD",
            idempotency_key=f"liveness-{shop.id}",
            created_at=at,
            updated_at=at,
        )
    )
    db.session.commit()
    return shop


def test_a_push_whose_job_died_is_recovered_after_the_grace_not_the_lease(app: Flask) -> None:
    shop = shop_pushing_since(RECOVERY_GRACE.total_seconds() + 5)
    push_job = jobs.push_shop_changes.enqueue(shop.id)
    execution = start(push_job, ttl=15)
    now = utcnow()
    # The push job is alive: a write may be in flight, so the change is left alone.
    assert jobs.push_in_flight(shop.id)
    assert abandoned_shops(now, jobs.push_in_flight) == []
    assert jobs.enqueue_recoveries(now) == 0
    # Its worker was SIGKILLed: the heartbeat lapses and the recovery is enqueued at once.
    expire_heartbeat(push_job, execution)
    assert not jobs.push_in_flight(shop.id)
    assert abandoned_shops(now, jobs.push_in_flight) == [shop.id]
    assert jobs.enqueue_recoveries(now) == 1


def test_a_change_claimed_a_moment_ago_is_left_to_its_push(app: Flask) -> None:
    shop_pushing_since(1)
    assert abandoned_shops(utcnow(), jobs.push_in_flight) == []


def test_past_the_lease_a_live_job_does_not_protect_the_change(app: Flask) -> None:
    shop = shop_pushing_since(PUSH_LEASE.total_seconds() + 5)
    start(jobs.push_shop_changes.enqueue(shop.id), ttl=15)
    assert abandoned_shops(utcnow(), jobs.push_in_flight) == [shop.id]
