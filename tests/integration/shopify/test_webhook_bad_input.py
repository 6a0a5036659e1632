"""Webhooks: a signed body nested past the parser's limit is 400, not 500; a delivery whose
job died with its worker is enqueued again (issue 14)."""

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
from app.shopify.webhooks import process_webhook, requeue_waiting_deliveries
from tests.integration.factories import make_product
from tests.integration.shopify.test_webhooks import (
    deliver,
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
    kill_mid_job("webhook-wh-k")
    assert queued_job_ids() == []
    later = utcnow() + timedelta(minutes=3)
    assert requeue_waiting_deliveries(later) == 1
    assert queued_job_ids() == ["webhook-wh-k"]
    # Shopify's retry of the same delivery finds the job waiting: enqueued once, not twice.
    deliver(client, "app/uninstalled", fixture_body("app/uninstalled"), webhook_id="wh-k")
    assert queued_job_ids() == ["webhook-wh-k"]
    assert process_webhook("wh-k") == "processed"
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
    assert process_webhook("wh-big") == "rejected"
    recorded = event("wh-big")
    assert recorded is not None
    assert recorded.error  # the reason, for a person to see
    assert recorded.processed_at is None
    db.session.expire_all()
    assert db.session.get(Product, product.id).shopify_price is None  # nothing half-written
    # Processing has ended: neither the sweep nor Shopify's retry runs it again.
    assert requeue_waiting_deliveries(utcnow() + timedelta(hours=1)) == 0
    db.session.expunge_all()  # the retry arrives in a request of its own
    assert deliver(client, "products/update", body, webhook_id="wh-big").status_code == 200
    assert queued_job_ids() == ["webhook-wh-big"]  # the first delivery's job, never another
