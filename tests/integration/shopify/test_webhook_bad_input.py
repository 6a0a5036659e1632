"""Webhooks: a signed body nested past the parser's limit is 400, not 500; a delivery whose
job died with its worker is enqueued again (issue 14)."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from rq.executions import Execution
from rq.job import JobStatus
from rq.registry import StartedJobRegistry

from app.broker import current_broker
from app.models.types import utcnow
from app.shopify.webhooks import process_webhook, requeue_waiting_deliveries
from tests.integration.shopify.test_webhooks import (
    deliver,
    event_count,
    fixture_body,
    installed_shop,
    queued_job_ids,
)


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
