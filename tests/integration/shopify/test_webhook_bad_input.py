"""Webhooks: a signed body nested past the parser's limit is 400, not 500; a delivery whose
drain died with its worker is drained again (issue 14)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq.executions import Execution
from rq.job import JobStatus
from rq.registry import StartedJobRegistry

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.models import Product
from app.shopify.webhooks import (
    SWEEP_AFTER,
    drain_deliveries,
    drain_queued_key,
    requeue_waiting_deliveries,
)
from tests.integration.factories import make_product
from tests.integration.shopify.test_webhooks import (
    deliver,
    drain_ids,
    event,
    event_count,
    fixture_body,
    installed_shop,
    queued_job_ids,
)
from tests.integration.shopify.test_webhooks_handlers import PRODUCT_GID, SHOP, SMALL, shop_body


def test_a_signed_body_nested_100000_deep_is_400_invalid_json(
    app: Flask, client: FlaskClient
) -> None:
    installed_shop()
    body = ("[" * 100_000 + "]" * 100_000).encode()
    response = deliver(client, "products/update", body)  # a valid HMAC over these bytes
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "invalid_json"
    assert event_count() == 0


def kill_mid_job(job_id: str) -> None:
    """Leave the job as a SIGKILLed worker does: started, its heartbeat expired."""
    redis = current_broker().redis
    job = current_broker().queue("webhooks").fetch_job(job_id)
    assert job is not None
    current_broker().queue("webhooks").remove(job)
    with redis.pipeline() as pipeline:
        job.set_status(JobStatus.STARTED, pipeline=pipeline)
        execution = Execution.create(job, 15, pipeline=pipeline, worker_name="killed")
        pipeline.execute()
    key = StartedJobRegistry("webhooks", connection=redis).key
    redis.zadd(key, {execution.composite_key: int(time.time()) - 1})


def test_a_delivery_whose_worker_died_is_swept_again(app: Flask, client: FlaskClient) -> None:
    installed_shop()
    assert deliver(client, "app/uninstalled", fixture_body("app/uninstalled"), webhook_id="wh-k")
    (drain,) = drain_ids()
    current_broker().redis.delete(drain_queued_key(SHOP))  # the drain started, then died
    kill_mid_job(drain)
    assert queued_job_ids() == []
    assert requeue_waiting_deliveries(utcnow() + SWEEP_AFTER / 2) == 0  # too recent to tell
    later = utcnow() + SWEEP_AFTER + timedelta(seconds=1)
    assert requeue_waiting_deliveries(later) == 1
    (again,) = drain_ids()
    assert again != drain
    # Shopify's retry of the same delivery finds that drain queued: enqueued once, not twice.
    deliver(client, "app/uninstalled", fixture_body("app/uninstalled"), webhook_id="wh-k")
    assert drain_ids() == [again]
    assert drain_deliveries(SHOP).counts() == {"processed": 1, "rejected": 0, "failed": 0}
    assert event_count() == 1


@pytest.mark.parametrize(
    ("price", "updated_at"),
    [
        ("10000000000.00", "2021-12-31T19:00:00-05:00"),  # 10^10: past NUMERIC(12, 2)
        ("1e-999999", "2021-12-31T19:00:00-05:00"),  # no PostgreSQL numeric holds it
        ("9999999999.9999", "2021-12-31T19:00:00-05:00"),  # rounds past the column
        ("19.99", "0001-01-01T00:00:00+14:00"),  # year 0 in UTC
    ],
    ids=["1e10", "1e-999999", "rounds-over", "year-0"],
)
def test_a_products_update_that_cannot_be_stored_is_recorded_and_ends(
    app: Flask, client: FlaskClient, price: str, updated_at: str
) -> None:
    shop = installed_shop(SHOP)
    product = make_product(shop, shopify_product_gid=PRODUCT_GID, shopify_variant_gid=SMALL)
    db.session.commit()
    payload = json.loads(shop_body("products/update", SHOP))
    for variant in payload["variants"]:
        variant["price"] = price
        variant["updated_at"] = updated_at
    body = json.dumps(payload).encode()
    assert deliver(client, "products/update", body, webhook_id="wh-big").status_code == 200
    assert drain_deliveries(SHOP).counts() == {"processed": 0, "rejected": 1, "failed": 0}
    recorded = event("wh-big")
    assert recorded is not None
    assert recorded.error  # the reason, for a person to see
    assert recorded.processed_at is None
    db.session.expire_all()
    assert db.session.get(Product, product.id).shopify_price is None  # nothing half-written
    # Processing has ended: neither the sweep nor Shopify's retry runs it again.
    assert requeue_waiting_deliveries(utcnow() + timedelta(hours=1)) == 0
    db.session.expunge_all()  # the retry arrives in a request of its own
    (first,) = drain_ids()  # queued by the first delivery
    assert deliver(client, "products/update", body, webhook_id="wh-big").status_code == 200
    assert drain_ids() == [first]  # never another
