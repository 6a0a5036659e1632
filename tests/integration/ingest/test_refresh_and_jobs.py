"""Refresh-now through realtime, and the jobs end to end against the live simulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.ingest.jobs import collect_tickets, ingest_tick, refresh_now, submit_batch
from app.ingest.provider import OxylabsProvider, RetryableError
from app.ingest.refresh import RefreshOutcome, refresh_product
from app.models import Observation, Product, ScrapeJob
from app.realtime.events import events_after
from tests.integration.factories import make_product, make_shop
from tests.integration.ingest.support import NOW, LiveSim, sim_provider

MONTH = date(2026, 11, 1)


def test_refresh_stores_a_realtime_observation(app: Flask, provider: OxylabsProvider) -> None:
    shop = make_shop()
    product = make_product(shop, asin="B0CYVN8CCQ")
    db.session.commit()
    assert refresh_product(product.id, provider, NOW) is RefreshOutcome.STORED
    db.session.refresh(product)
    row = db.session.scalars(select(Observation)).one()
    assert product.amazon_price == row.price
    assert row.price is not None
    db.session.refresh(shop)
    assert shop.oxylabs_results_used == 1
    assert [event.type for event in events_after(shop.id, 0)] == ["usage", "observation"]


def test_refresh_revives_a_product_that_needed_a_person(
    app: Flask, provider: OxylabsProvider
) -> None:
    product = make_product(make_shop(), status="needs_attention", status_reason="HTTP 400")
    db.session.commit()
    refresh_product(product.id, provider, NOW)
    db.session.refresh(product)
    assert (product.status, product.status_reason) == ("active", None)


def test_refresh_within_an_exhausted_budget_is_refused(
    app: Flask, provider: OxylabsProvider, live_sim: LiveSim
) -> None:
    shop = make_shop(oxylabs_monthly_budget=3, oxylabs_usage_month=MONTH, oxylabs_results_used=3)
    product = make_product(shop)
    db.session.commit()
    assert refresh_product(product.id, provider, NOW) is RefreshOutcome.OVER_BUDGET
    assert live_sim.stats()["requests"] == 0
    events = events_after(shop.id, 0)
    (event,) = [e for e in events if e.type != "usage"]
    assert event.type == "error"
    # The budget bar hears the counter as committed (one event for the transaction).
    (usage,) = [e.data for e in events if e.type == "usage"]
    assert usage == {"month": MONTH.isoformat(), "used": 3, "budget": 3, "remaining": 0}
    assert event.data["code"] == "budget_exhausted"


def test_refresh_with_bad_credentials_needs_a_person(app: Flask, live_sim: LiveSim) -> None:
    shop = make_shop()
    product = make_product(shop)
    db.session.commit()
    outcome = refresh_product(product.id, sim_provider(live_sim, password="nope"), NOW)
    assert outcome is RefreshOutcome.NEEDS_PERSON
    db.session.refresh(product)
    db.session.refresh(shop)
    assert product.status == "needs_attention"
    assert shop.oxylabs_results_used == 0
    assert live_sim.stats()["requests"] == 1  # 401 is never retried


def test_refresh_that_keeps_failing_is_refunded_and_raised_for_a_retry(
    app: Flask, live_sim: LiveSim
) -> None:
    shop = make_shop()
    product = make_product(shop, amazon_price=Decimal("5.00"), amazon_currency="USD")
    db.session.commit()
    live_sim.configure(next_faults=["503", "503"])
    with pytest.raises(RetryableError):
        refresh_product(product.id, sim_provider(live_sim), NOW)
    db.session.refresh(shop)
    db.session.refresh(product)
    assert shop.oxylabs_results_used == 0
    assert product.amazon_price == Decimal("5.00")


@pytest.fixture
def sim_app(app: Flask, live_sim: LiveSim, make_app: Callable[..., Flask]) -> Iterator[Flask]:
    built = make_app(**live_sim.env())
    with built.app_context():
        yield built
        db.session.remove()


def test_the_jobs_poll_due_products_end_to_end(sim_app: Flask) -> None:
    shop = make_shop()
    products = [make_product(shop, asin=f"B0JOB{n:05d}") for n in range(3)]
    db.session.commit()
    now = utcnow()
    assert ingest_tick(now) == 3
    (key,) = set(db.session.scalars(select(ScrapeJob.batch_key)))
    claimed = db.session.scalars(select(ScrapeJob.product_id).order_by(ScrapeJob.product_id))
    assert list(claimed) == [p.id for p in products]
    assert submit_batch(key) == 3  # what the worker runs
    assert submit_batch(key) == 0  # a second run of the same batch submits nothing
    states = db.session.scalars(select(ScrapeJob.state)).all()
    assert states == ["pending"] * 3
    assert collect_tickets() == 3
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 3
    prices = db.session.scalars(select(Product.amazon_price).order_by(Product.id)).all()
    assert all(price is not None for price in prices)


def test_the_refresh_job_reports_its_outcome(sim_app: Flask) -> None:
    product = make_product(make_shop())
    db.session.commit()
    assert refresh_now(product.id) == "stored"
    assert refresh_now(product.id + 1000) == "gone"
    assert refresh_now.enqueue(product.id).id == f"refresh-{product.id}"


def test_a_move_keeps_amazons_price_before_it_and_the_delivery_window(
    app: Flask, provider: OxylabsProvider, live_sim: LiveSim
) -> None:
    """What the dashboard's row shows: the price before Amazon's last move, when it moved,
    and the newest trusted observation's delivery dates (also in the live event)."""
    shop = make_shop()
    product = make_product(shop, asin="B0CYVN8CCQ")
    db.session.commit()
    assert refresh_product(product.id, provider, NOW) is RefreshOutcome.STORED
    db.session.refresh(product)
    first = product.amazon_price
    assert product.previous_amazon_price is None  # nothing before the first price
    for period in range(1, 50):  # the simulator's prices move with its clock
        live_sim.clock.advance(3600)
        refresh_product(product.id, provider, NOW + timedelta(hours=period))
        db.session.refresh(product)
        if product.amazon_price != first:
            break
    assert product.amazon_price != first, "Amazon's price never moved"
    assert product.previous_amazon_price == first
    assert product.price_changed_at == NOW + timedelta(hours=period)
    newest = db.session.scalars(select(Observation).order_by(Observation.id.desc())).first()
    assert newest is not None
    assert newest.delivery_earliest is not None
    assert (product.delivery_earliest, product.delivery_latest) == (
        newest.delivery_earliest,
        newest.delivery_latest,
    )
    event = [e for e in events_after(shop.id, 0) if e.type == "observation"][-1]
    assert event.data["delivery_earliest"] == newest.delivery_earliest.isoformat()
