"""Scheduled polling through the live simulator: submit, resume, collect once, quarantine."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import responses
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.ingest.batch import collect_pending, submit_products
from app.ingest.oxylabs import OxylabsClient
from app.ingest.provider import OxylabsProvider
from app.models import Observation, PriceChange, Product, ScrapeJob, Shop
from app.realtime.events import events_after
from tests.integration.factories import make_product, make_shop
from tests.integration.ingest.support import DEAD_ASIN, NOW, LiveSim, sim_provider

MONTH = date(2026, 11, 1)


def linked(count: int, **shop_fields: object) -> tuple[Shop, list[Product]]:
    shop = make_shop(oxylabs_usage_month=MONTH, oxylabs_results_used=count, **shop_fields)
    products = [make_product(shop, asin=f"B0SIM{n:05d}") for n in range(count)]
    db.session.commit()
    return shop, products


def observations(product: Product) -> list[Observation]:
    statement = select(Observation).where(Observation.product_id == product.id)
    return list(db.session.scalars(statement.order_by(Observation.id)))


def test_a_batch_is_submitted_collected_and_stored(app: Flask, provider: OxylabsProvider) -> None:
    shop, products = linked(3)
    assert submit_products([p.id for p in products], provider, NOW) == 3
    run = collect_pending(provider, NOW)
    assert (run.stored, run.not_ready) == (3, 0)
    for product in products:
        db.session.refresh(product)
        (row,) = observations(product)
        assert row.price is not None
        assert row.price > 0
        assert not row.quarantined
        assert product.amazon_price == row.price
        assert product.amazon_currency == "USD"
        assert product.observed_at == row.observed_at
        assert product.title == row.title
        assert product.image_url == row.image_url
        assert product.last_polled_at == NOW
        assert product.next_poll_at == NOW + timedelta(hours=1)
    states = db.session.scalars(select(ScrapeJob.state)).all()
    assert states == ["collected"] * 3
    events = events_after(shop.id, 0)
    published = [event for event in events if event.type != "usage"]
    assert [event.type for event in published] == ["observation"] * 3
    assert {event.data["product_id"] for event in published} == {p.id for p in products}


def test_a_restarted_worker_resumes_pending_tickets_without_paying_again(
    app: Flask, live_sim: LiveSim
) -> None:
    _, products = linked(4)
    live_sim.configure(job_latency_seconds=60)
    submit_products([p.id for p in products], sim_provider(live_sim), NOW)
    first = collect_pending(sim_provider(live_sim), NOW)
    assert (first.stored, first.not_ready) == (0, 4)  # the worker dies here, mid-poll
    submitted = live_sim.stats()["jobs_submitted"]

    live_sim.clock.advance(61)
    fresh_worker = sim_provider(live_sim)  # a new process: nothing in memory survives
    resumed = collect_pending(fresh_worker, NOW + timedelta(seconds=61))

    assert resumed.stored == 4
    assert live_sim.stats()["jobs_submitted"] == submitted == 4
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 4


def test_collecting_the_same_ticket_twice_stores_one_observation(
    app: Flask, provider: OxylabsProvider
) -> None:
    _, products = linked(2)
    submit_products([p.id for p in products], provider, NOW)
    assert collect_pending(provider, NOW).stored == 2
    assert collect_pending(provider, NOW).stored == 0
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 2


def test_two_concurrent_collectors_store_each_ticket_once(
    app: Flask, provider: OxylabsProvider
) -> None:
    _, products = linked(30)
    submit_products([p.id for p in products], provider, NOW)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def collect() -> None:
        with app.app_context():
            barrier.wait()
            counts.append(collect_pending(provider, NOW, limit=7).stored)
            while (run := collect_pending(provider, NOW, limit=7)).stored:
                counts.append(run.stored)
            db.session.remove()

    threads = [threading.Thread(target=collect) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 30
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 30
    per_product = db.session.execute(
        select(Observation.product_id, func.count()).group_by(Observation.product_id)
    ).all()
    assert {count for _, count in per_product} == {1}


def test_a_dead_asin_is_quarantined_with_its_payload_and_backs_off(
    app: Flask, provider: OxylabsProvider
) -> None:
    shop = make_shop()
    product = make_product(
        shop, asin=DEAD_ASIN, amazon_price=Decimal("10.00"), amazon_currency="USD"
    )
    db.session.commit()
    submit_products([product.id], provider, NOW)
    assert collect_pending(provider, NOW).stored == 1
    db.session.refresh(product)
    (row,) = observations(product)
    assert row.quarantined
    assert row.quarantine_reason == "not_found"
    assert row.price is None
    assert row.raw is not None
    assert row.raw["status_code"] == 404
    assert product.amazon_price == Decimal("10.00")  # a quarantined poll never becomes a price
    assert product.failed_polls == 1
    assert product.next_poll_at == NOW + timedelta(hours=2)
    (event,) = [e for e in events_after(shop.id, 0) if e.type != "usage"]
    assert event.data["quarantined"] is True
    assert event.data["price"] is None


def test_a_faulted_job_is_refunded_and_retried_later(app: Flask, live_sim: LiveSim) -> None:
    shop, products = linked(2)
    live_sim.configure(next_faulted_jobs=1)
    provider = sim_provider(live_sim)
    submit_products([p.id for p in products], provider, NOW)
    run = collect_pending(provider, NOW)
    assert (run.stored, run.faulted) == (1, 1)
    db.session.refresh(shop)
    assert shop.oxylabs_results_used == 1  # reserved 2, the faulted one was not billed
    faulted = db.session.scalars(select(ScrapeJob).where(ScrapeJob.state == "faulted")).one()
    assert faulted.completed_at == NOW


@responses.activate
def test_a_refused_batch_needs_a_person_and_is_never_retried(app: Flask) -> None:
    shop, products = linked(2)
    responses.post(
        "https://data.test/v1/queries/batch", status=400, json={"message": "bad geo_location"}
    )
    client = OxylabsClient(
        username="u",
        password="p",
        realtime_url="https://rt.test/v1/queries",
        data_url="https://data.test",
        sleep=lambda seconds: None,
    )
    assert submit_products([p.id for p in products], OxylabsProvider(client), NOW) == 0
    assert len(responses.calls) == 1
    db.session.refresh(shop)
    assert shop.oxylabs_results_used == 0
    assert shop.provider_error is not None
    assert "bad geo_location" in shop.provider_error
    for product in products:
        db.session.refresh(product)
        assert product.status == "needs_attention"
        assert product.status_reason is not None
        assert "HTTP 400" in product.status_reason
    (event,) = [e for e in events_after(shop.id, 0) if e.type != "usage"]
    assert event.type == "error"
    assert event.data["product_ids"] == [p.id for p in products]
    rows = db.session.scalars(select(ScrapeJob)).all()
    assert {(row.state, row.provider_job_id) for row in rows} == {("abandoned", None)}
    assert all("HTTP 400" in (row.error or "") for row in rows)


def test_bad_credentials_need_a_person(app: Flask, live_sim: LiveSim) -> None:
    _shop, products = linked(1)
    provider = sim_provider(live_sim, password="wrong")
    assert submit_products([products[0].id], provider, NOW) == 0
    db.session.refresh(products[0])
    assert products[0].status == "needs_attention"
    assert "credentials" in (products[0].status_reason or "")


def test_unlinked_products_are_refunded_before_submitting(
    app: Flask, provider: OxylabsProvider
) -> None:
    shop, products = linked(3)
    products[1].status = "paused"
    db.session.commit()
    assert submit_products([p.id for p in products], provider, NOW) == 2
    db.session.refresh(shop)
    assert shop.oxylabs_results_used == 2


def test_a_trusted_observation_is_priced_and_a_quarantined_one_is_not(
    app: Flask, provider: OxylabsProvider
) -> None:
    shop = make_shop(currency="USD")
    priced = make_product(shop, asin="B0CYVN8CCQ")
    dead = make_product(shop, asin=DEAD_ASIN)
    db.session.commit()
    submit_products([priced.id, dead.id], provider, NOW)
    collect_pending(provider, NOW)
    changes = db.session.scalars(select(PriceChange)).all()
    assert [change.product_id for change in changes] == [priced.id]
    observation = db.session.scalars(
        select(Observation).where(Observation.product_id == priced.id)
    ).one()
    assert changes[0].observation_id == observation.id
