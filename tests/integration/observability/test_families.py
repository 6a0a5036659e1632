"""Every family on /metrics after a short run of the real thing: polls through the Oxylabs
simulator (trusted, quarantined, refused), a push job run by the worker against the Shopify
simulator (a 429 on the way, a userError for one variant), a reconciliation that finds drift,
a scheduler tick and a few requests. Counted families must have moved; none has a shop label.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from rq import SimpleWorker
from sqlalchemy import select

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.ingest.refresh import refresh_product
from app.jobs.scheduler import PeriodicTask, Scheduler, SchedulerLock
from app.jobs.worker import AppWorker
from app.models import PriceChange, Product
from app.price_changes.propose import on_observation
from app.push import jobs
from app.push.reconcile import reconcile_shop
from app.realtime.hub import current_hub
from simulators.oxylabs import ManualClock, SimulatorConfig, create_app
from tests.integration.conftest import T0, LiveShopify, linked_shop
from tests.integration.factories import make_observation
from tests.integration.ingest.support import DEAD_ASIN, NOW, LiveSim, sim_provider
from tests.support import serving

# name -> labels a sample must carry after the run (None: any sample will do).
FAMILIES: dict[str, dict[str, str] | None] = {
    "pricebridge_http_request_duration_seconds_count": {"route": "/livez", "status": "200"},
    "pricebridge_job_duration_seconds_count": {
        "job": "app.push.jobs.push_shop_changes",
        "outcome": "succeeded",
    },
    "pricebridge_scheduler_task_duration_seconds_count": {"task": "probe"},
    "pricebridge_queue_jobs": None,
    "pricebridge_queue_oldest_job_age_seconds": None,
    "pricebridge_queue_failed_jobs": None,
    "pricebridge_workers": None,
    "pricebridge_scrape_results_total": None,
    "pricebridge_oxylabs_results_billed_total": {"endpoint": "realtime"},
    "pricebridge_oxylabs_budget_used_max_ratio": None,
    "pricebridge_oxylabs_budget_near_limit_shops": None,
    "pricebridge_shopify_cost_points_total": {"operation": "ProductVariantsBulkUpdate"},
    "pricebridge_shopify_throttled_total": {
        "operation": "ProductVariantsBulkUpdate",
        "kind": "http_429",
    },
    "pricebridge_shopify_bucket_fill_ratio_count": None,
    "pricebridge_price_confirmation_latency_seconds_count": None,
    "pricebridge_price_pushes_total": None,
    "pricebridge_outbox_changes": None,
    "pricebridge_reconciliation_drift_total": None,
    "pricebridge_websockets_open": None,
    "pricebridge_unrecognised_texts_total": None,
}
MOVED = {
    ("pricebridge_http_request_duration_seconds_count", (("route", "/livez"),)),
    ("pricebridge_job_duration_seconds_count", (("job", "app.push.jobs.push_shop_changes"),)),
    ("pricebridge_scheduler_task_duration_seconds_count", (("task", "probe"),)),
    ("pricebridge_scrape_results_total", (("outcome", "trusted"),)),
    ("pricebridge_scrape_results_total", (("reason", "not_found"),)),
    ("pricebridge_scrape_results_total", (("reason", "AuthError"),)),
    ("pricebridge_oxylabs_results_billed_total", (("endpoint", "realtime"),)),
    ("pricebridge_shopify_cost_points_total", (("operation", "ProductVariantsBulkUpdate"),)),
    ("pricebridge_shopify_throttled_total", (("kind", "http_429"),)),
    ("pricebridge_shopify_bucket_fill_ratio_count", ()),
    ("pricebridge_price_confirmation_latency_seconds_count", ()),
    ("pricebridge_price_pushes_total", (("outcome", "pushed"),)),
    ("pricebridge_price_pushes_total", (("outcome", "failed"),)),
    ("pricebridge_reconciliation_drift_total", ()),
}


@pytest.fixture
def oxylabs() -> Iterator[LiveSim]:
    clock = ManualClock(NOW)
    config = SimulatorConfig(seed=4, dead_asins=frozenset({DEAD_ASIN}))
    with serving(create_app(config, clock)) as url:
        yield LiveSim(url, clock)


class InlineAppWorker(SimpleWorker, AppWorker):
    """AppWorker without the fork: the job's figures land in this process's registry."""


Sample = tuple[str, dict[str, str], float]


def scrape(app: Flask) -> list[Sample]:
    text = app.test_client().get("/metrics").get_data(as_text=True)
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def total(samples: list[Sample], name: str, labels: tuple[tuple[str, str], ...]) -> float:
    return sum(
        value
        for sample_name, sample_labels, value in samples
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels)
    )


def test_every_family_is_there_and_the_counted_ones_moved_after_a_short_run(
    pricing_app: Flask, shopify: LiveShopify, oxylabs: LiveSim
) -> None:
    before = scrape(pricing_app)
    shop, products = linked_shop(shopify, products=5)
    polled, refused, dead, pushed, failing = products
    dead.asin = DEAD_ASIN
    db.session.commit()

    # Polls: one trusted, one quarantined (a dead ASIN's 404), one refused (bad credentials).
    refresh_product(polled.id, sim_provider(oxylabs), NOW)
    refresh_product(dead.id, sim_provider(oxylabs), NOW)
    refresh_product(refused.id, sim_provider(oxylabs, password="wrong"), NOW)

    # A push job through the worker: a 429 first, then one change confirmed, one refused.
    for product, price in ((pushed, "50.00"), (failing, "51.00")):
        observation = make_observation(product, price=Decimal(price), observed_at=T0)
        db.session.commit()
        on_observation(product.id, observation.id)
    for change in db.session.scalars(
        select(PriceChange).where(PriceChange.product_id.in_([pushed.id, failing.id]))
    ):
        change.state = "approved"
    db.session.commit()
    shopify.arm(kind="http", status=429, count=1)
    shopify.arm(kind="user_error", variant_id=failing.shopify_variant_gid, message="No.")
    jobs.push_shop_changes.enqueue(shop.id)
    broker = current_broker()
    InlineAppWorker([broker.queue("push")], connection=broker.redis, app=pricing_app).work(
        burst=True
    )

    # Someone else's price in the database's memory of Shopify: reconciliation sees drift.
    db.session.execute(
        Product.__table__.update()
        .where(Product.id == pushed.id)
        .values(shopify_price=Decimal("1.00"))
    )
    db.session.commit()
    assert reconcile_shop(shop.id) >= 1

    probe = PeriodicTask("probe", timedelta(seconds=1), lambda now: None)
    Scheduler(SchedulerLock(broker.redis), [probe]).tick(utcnow())
    pricing_app.test_client().get("/livez")

    after = scrape(pricing_app)
    for name, labels in FAMILIES.items():
        matching = [s for s in after if s[0] == name and (labels or {}).items() <= s[1].items()]
        assert matching, f"{name} {labels or ''} is not on /metrics"
    for name, labels in MOVED:
        assert total(after, name, labels) > total(before, name, labels), f"{name} {labels}"
    for name, labels, _value in after:
        assert "shop" not in labels, name
        assert not any(shop.domain in value for value in labels.values()), name


def test_open_websockets_are_counted_while_they_are_open(app: Flask) -> None:
    def sockets() -> float:
        return total(scrape(app), "pricebridge_websockets_open", ())

    hub = current_hub()
    before = sockets()
    mailbox = hub.open()
    assert mailbox is not None
    try:
        assert sockets() == before + 1
    finally:
        hub.release(mailbox)
    assert sockets() == before
