"""The claim on PostgreSQL: only due rows, never twice, within budget, uninstalled skipped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from app.broker import current_broker
from app.extensions import db
from app.ingest.jobs import ingest_tick
from app.ingest.polling import UNINSTALLED_RECHECK, claim_due
from app.models import Product, ScrapeJob, Shop
from tests.integration.factories import make_product, make_shop
from tests.integration.ingest.support import NOW

MONTH = date(2026, 11, 1)


def due(shop: Shop, count: int, **fields: object) -> list[Product]:
    values: dict[str, object] = {"next_poll_at": NOW - timedelta(minutes=1), **fields}
    return [make_product(shop, **values) for _ in range(count)]


def test_only_due_active_products_are_claimed_in_due_order(app: Flask) -> None:
    shop = make_shop()
    late = make_product(shop, next_poll_at=NOW - timedelta(hours=2))
    early = make_product(shop, next_poll_at=NOW - timedelta(hours=1), polling_tier="hot")
    make_product(shop, next_poll_at=NOW + timedelta(seconds=1))  # not due yet
    make_product(shop, next_poll_at=NOW - timedelta(hours=3), status="paused")
    make_product(shop, next_poll_at=NOW - timedelta(hours=3), status="needs_attention")
    db.session.commit()

    claim = claim_due(NOW, limit=10)

    assert claim.product_ids == [late.id, early.id]
    db.session.refresh(late)
    db.session.refresh(early)
    assert late.next_poll_at == NOW + timedelta(hours=1)
    assert early.next_poll_at == NOW + timedelta(minutes=15)
    assert claim_due(NOW, limit=10).product_ids == []


def test_the_limit_takes_the_most_overdue_first(app: Flask) -> None:
    shop = make_shop()
    products = [make_product(shop, next_poll_at=NOW - timedelta(minutes=n)) for n in range(5)]
    db.session.commit()
    assert claim_due(NOW, limit=2).product_ids == [products[4].id, products[3].id]


def test_two_schedulers_claiming_at_once_never_take_the_same_product(app: Flask) -> None:
    shop = make_shop()
    due(shop, 200)
    db.session.commit()
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def scheduler(index: int) -> None:
        with app.app_context():
            barrier.wait()
            while ids := claim_due(NOW, limit=13).product_ids:
                claimed[index] += ids
            db.session.remove()

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not set(claimed[0]) & set(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == 200
    db.session.refresh(shop)
    assert shop.oxylabs_results_used == 200


def test_the_monthly_budget_is_never_exceeded(app: Flask) -> None:
    shop = make_shop(oxylabs_monthly_budget=5, oxylabs_usage_month=MONTH, oxylabs_results_used=2)
    products = due(shop, 6)
    db.session.commit()
    claim = claim_due(NOW)
    assert claim.product_ids == [p.id for p in products[:3]]
    assert claim.over_budget == [p.id for p in products[3:]]
    db.session.refresh(shop)
    assert shop.oxylabs_results_used == 5
    db.session.refresh(products[5])
    assert products[5].next_poll_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert claim_due(NOW + timedelta(days=1)).product_ids == []


def test_a_new_month_starts_a_new_budget(app: Flask) -> None:
    shop = make_shop(
        oxylabs_monthly_budget=2, oxylabs_usage_month=date(2026, 10, 1), oxylabs_results_used=2
    )
    due(shop, 3)
    db.session.commit()
    assert len(claim_due(NOW).product_ids) == 2
    db.session.refresh(shop)
    assert (shop.oxylabs_usage_month, shop.oxylabs_results_used) == (MONTH, 2)


def test_the_setting_is_the_budget_of_a_shop_without_one(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    small = make_app(
        OXYLABS_MONTHLY_BUDGET="1",
    )
    with small.app_context():
        due(make_shop(), 2)
        db.session.commit()
        assert len(claim_due(NOW).product_ids) == 1
        db.session.remove()


def test_products_of_uninstalled_shops_are_skipped(app: Flask) -> None:
    gone = make_shop(uninstalled_at=NOW - timedelta(days=1))
    (product,) = due(gone, 1)
    db.session.commit()
    claim = claim_due(NOW)
    assert claim.product_ids == []
    assert claim.uninstalled == [product.id]
    db.session.refresh(product)
    assert product.next_poll_at == NOW + UNINSTALLED_RECHECK
    db.session.refresh(gone)
    assert gone.oxylabs_results_used == 0


def test_batches_group_by_marketplace_and_delivery_location(app: Flask) -> None:
    shop = make_shop()
    com = due(shop, 3)
    de = due(shop, 2, marketplace="de")
    elsewhere = due(shop, 1, delivery_location="10001")
    db.session.commit()
    claim = claim_due(NOW, batch_size=2)
    ids = lambda products: [p.id for p in products]  # noqa: E731
    grouped = [batch.product_ids for batch in claim.batches]
    assert grouped == [ids(com[:2]), ids(com[2:]), ids(de), ids(elsewhere)]
    # Each claim is a row of its batch, without a ticket until the batch is submitted.
    rows = db.session.scalars(select(ScrapeJob).order_by(ScrapeJob.product_id)).all()
    assert {(row.product_id, row.batch_key) for row in rows} == {
        (product_id, batch.key) for batch in claim.batches for product_id in batch.product_ids
    }
    assert {(row.state, row.provider_job_id, row.submitted_at) for row in rows} == {
        ("claimed", None, NOW)
    }
    assert len({batch.key for batch in claim.batches}) == 4


def test_the_tick_enqueues_one_submit_job_per_batch(app: Flask) -> None:
    shop = make_shop()
    products = due(shop, 3)
    db.session.commit()
    assert ingest_tick(NOW) == 3
    queue = current_broker().queue("ingest")
    (job,) = queue.get_jobs()
    (key,) = job.args
    assert job.id == f"ingest-submit-{key}"
    claimed = db.session.scalars(select(ScrapeJob.product_id).where(ScrapeJob.batch_key == key))
    assert sorted(claimed) == [p.id for p in products]
    assert ingest_tick(NOW) == 0
    assert [job.id for job in queue.get_jobs()] == [f"ingest-submit-{key}"]


def test_sqlite_claims_with_compare_and_set(
    app: Flask, make_app: Callable[..., Flask], tmp_path: object
) -> None:
    settings = app.extensions["pricebridge.settings"]
    lite = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/claim.db", REDIS_URL=settings.redis_url)
    with lite.app_context():
        upgrade()
        shop = make_shop()
        products = due(shop, 3)
        db.session.commit()
        assert claim_due(NOW, limit=2).product_ids == [p.id for p in products[:2]]
        assert claim_due(NOW, limit=2).product_ids == [products[2].id]
        assert claim_due(NOW).product_ids == []
        next_polls = db.session.scalars(select(Product.next_poll_at)).all()
        assert all(moment > NOW for moment in next_polls)
        claimed = db.session.scalars(select(ScrapeJob.product_id).order_by(ScrapeJob.id)).all()
        assert claimed == [p.id for p in products]
        db.session.remove()
