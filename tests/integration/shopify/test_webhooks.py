"""POST /webhooks on PostgreSQL and Redis: verification, de-duplication, the job, rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from rq.job import Job, JobStatus
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.jobs.worker import AppWorker
from app.models import Shop, WebhookEvent
from app.observability.logging import ContextFilter
from app.shopify import webhook_handlers
from app.shopify.webhook_handlers import ReceivedWebhook
from app.shopify.webhooks import (
    MAX_BODY_BYTES,
    SWEEP_AFTER,
    drain_deliveries,
    drain_queued_key,
    requeue_waiting_deliveries,
)
from tests.integration.factories import make_shop
from tests.support import SHOPIFY_SIM_DATA, TEST_SHOPIFY_API_SECRET, load_fixture

SHOP = "webhook-shop.myshopify.com"
VECTORS = {v["topic"]: v for v in load_fixture("shopify/webhook_hmac_vectors.json")["vectors"]}
TRIGGERED_AT = "2026-07-01T12:00:00.000000000Z"


def fixture_body(topic: str) -> bytes:
    return (SHOPIFY_SIM_DATA / str(VECTORS[topic]["file"])).read_bytes()


def sign(body: bytes, secret: str = TEST_SHOPIFY_API_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_headers(
    topic: str,
    body: bytes,
    *,
    shop: str = SHOP,
    webhook_id: str | None = None,
    style: str = "x-shopify",
    signature: str | None = None,
    triggered_at: str = TRIGGERED_AT,
) -> dict[str, str]:
    fields = {
        "Topic": topic,
        "Hmac-Sha256": signature if signature is not None else sign(body),
        "Shop-Domain": shop,
        "API-Version": "2026-10",
        "Webhook-Id": webhook_id or str(uuid.uuid4()),
        "Event-Id": str(uuid.uuid4()),
        "Triggered-At": triggered_at,
    }
    if style == "shopify":
        return {f"shopify-{k.lower()}": v for k, v in fields.items()}
    return {f"X-Shopify-{k}": v for k, v in fields.items()}


def deliver(client: FlaskClient, topic: str, body: bytes, **options: Any) -> TestResponse:
    headers = webhook_headers(topic, body, **options)
    return client.post("/webhooks", data=body, headers=headers, content_type="application/json")


class InProcessAppWorker(SimpleWorker, AppWorker):
    """AppWorker that runs jobs in this process (SimpleWorker first in the MRO: AppWorker's
    base, rq.Worker, forks in execute_job), so handlers patched by a test are the ones run."""


def run_webhook_jobs(app: Flask) -> None:
    broker = current_broker()
    worker = InProcessAppWorker([broker.queue("webhooks")], connection=broker.redis, app=app)
    worker.work(burst=True)


def queued_job_ids() -> list[str]:
    return current_broker().queue("webhooks").get_job_ids()


def drain_ids(shop: str = SHOP) -> list[str]:
    """The queued jobs, each checked to be a drain of `shop`'s deliveries."""
    ids = queued_job_ids()
    prefix = f"webhooks-{shop.replace('.', '_')}-"
    assert all(job_id.startswith(prefix) for job_id in ids), ids
    return ids


def event(webhook_id: str) -> WebhookEvent | None:
    db.session.expire_all()
    return db.session.get(WebhookEvent, webhook_id)


def event_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[ReceivedWebhook]:
    """Every handler call, recorded before the real handler runs."""
    calls: list[ReceivedWebhook] = []

    def recording(real: Callable[[ReceivedWebhook], None]) -> Callable[[ReceivedWebhook], None]:
        def handler(webhook: ReceivedWebhook) -> None:
            calls.append(webhook)
            real(webhook)

        return handler

    for topic, real in list(webhook_handlers.HANDLERS.items()):
        monkeypatch.setitem(webhook_handlers.HANDLERS, topic, recording(real))
    return calls


def installed_shop(domain: str = SHOP) -> Shop:
    shop = make_shop(
        domain,
        access_token="shpat_live",
        access_token_expires_at=datetime(2026, 7, 1, 13, tzinfo=UTC),
        refresh_token="shprt_live",
        refresh_token_expires_at=datetime(2026, 8, 1, tzinfo=UTC),
        installed_at=datetime(2026, 6, 1, tzinfo=UTC),
        scopes="write_products",
    )
    db.session.commit()
    return shop


def test_a_good_hmac_is_200_recorded_and_processed_once(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook]
) -> None:
    installed_shop()
    body = fixture_body("app/uninstalled")
    answer = deliver(client, "app/uninstalled", body, webhook_id="wh-good-1")
    assert answer.status_code == 200
    assert len(drain_ids()) == 1
    recorded = event("wh-good-1")
    assert recorded is not None
    assert (recorded.shop_domain, recorded.topic, recorded.api_version) == (
        SHOP,
        "app/uninstalled",
        "2026-10",
    )
    assert recorded.triggered_at == datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert recorded.processed_at is None

    run_webhook_jobs(app)
    processed = event("wh-good-1")
    assert processed is not None
    assert processed.processed_at is not None
    assert processed.error is None
    assert [call.webhook_id for call in handled] == ["wh-good-1"]
    assert handled[0].payload == json.loads(body)


def test_a_replayed_webhook_id_is_200_and_not_processed_twice(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook]
) -> None:
    installed_shop()
    body = fixture_body("app/uninstalled")
    first = deliver(client, "app/uninstalled", body, webhook_id="wh-replay")
    while_queued = deliver(client, "app/uninstalled", body, webhook_id="wh-replay")
    assert (first.status_code, while_queued.status_code) == (200, 200)
    assert len(drain_ids()) == 1

    run_webhook_jobs(app)
    after_processing = deliver(client, "app/uninstalled", body, webhook_id="wh-replay")
    assert after_processing.status_code == 200
    assert queued_job_ids() == []
    run_webhook_jobs(app)
    assert [call.webhook_id for call in handled] == ["wh-replay"]
    assert event_count() == 1


def test_draining_again_does_nothing(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook]
) -> None:
    installed_shop()
    deliver(client, "app/uninstalled", fixture_body("app/uninstalled"), webhook_id="wh-idem")
    run_webhook_jobs(app)
    assert drain_deliveries(SHOP).counts() == {"processed": 0, "rejected": 0, "failed": 0}
    assert len(handled) == 1


def test_one_drain_handles_a_storm_in_arrival_order(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook]
) -> None:
    """250 deliveries of one shop: one job (not 250), three chunks, each delivery once."""
    body = fixture_body("customers/redact")
    ids = [f"wh-storm-{n:03d}" for n in range(250)]
    for webhook_id in ids:
        assert deliver(client, "customers/redact", body, webhook_id=webhook_id).status_code == 200
    assert len(drain_ids()) == 1
    run_webhook_jobs(app)
    assert [call.webhook_id for call in handled] == ids
    assert queued_job_ids() == []
    waiting = select(func.count()).where(WebhookEvent.processed_at.is_(None))
    assert db.session.scalar(waiting) == 0


def test_a_delivery_committed_while_the_drain_runs_queues_the_next_drain(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drain deletes its "queued" key before it reads a row: a delivery arriving while it
    runs queues the next drain, so none is lost between a drain's last read and its end."""
    body = fixture_body("customers/redact")
    deliver(client, "customers/redact", body, webhook_id="wh-first")
    (first,) = drain_ids()
    queued_mid_drain: list[list[str]] = []
    original = webhook_handlers.HANDLERS["customers/redact"]

    def handler(webhook: ReceivedWebhook) -> None:
        if webhook.webhook_id == "wh-first":
            with app.app_context():
                answer = deliver(app.test_client(), "customers/redact", body, webhook_id="wh-late")
                assert answer.status_code == 200
                queued_mid_drain.append(drain_ids())
        original(webhook)

    monkeypatch.setitem(webhook_handlers.HANDLERS, "customers/redact", handler)
    run_webhook_jobs(app)
    (queued,) = queued_mid_drain
    assert len(queued) == 1
    assert queued != [first]
    assert sorted(call.webhook_id for call in handled) == ["wh-first", "wh-late"]
    recorded = event("wh-late")
    assert recorded is not None
    assert recorded.processed_at is not None
    assert current_broker().redis.get(drain_queued_key(SHOP)) is None


@pytest.mark.parametrize("style", ["x-shopify", "shopify"])
def test_both_header_styles_are_accepted(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook], style: str
) -> None:
    body = fixture_body("customers/redact")
    answer = deliver(client, "customers/redact", body, webhook_id=f"wh-{style}", style=style)
    assert answer.status_code == 200
    run_webhook_jobs(app)
    assert [call.topic for call in handled] == ["customers/redact"]
    recorded = event(f"wh-{style}")
    assert recorded is not None
    assert recorded.processed_at is not None


def test_the_exact_fixture_bytes_verify_with_the_vector_hmac(
    app: Flask, client: FlaskClient
) -> None:
    vector = VECTORS["products/update"]
    body = fixture_body("products/update")
    answer = deliver(client, "products/update", body, signature=vector["x_shopify_hmac_sha256"])
    assert answer.status_code == 200


def test_a_tampered_body_is_401_and_leaves_no_trace(app: Flask, client: FlaskClient) -> None:
    body = fixture_body("app/uninstalled")
    headers = webhook_headers("app/uninstalled", body, webhook_id="wh-tampered")
    tampered = body.replace(b'"Super Toys"', b'"Evil Toys"')
    answer = client.post("/webhooks", data=tampered, headers=headers)
    assert answer.status_code == 401
    assert event_count() == 0
    assert queued_job_ids() == []


@pytest.mark.parametrize(
    "missing",
    ["X-Shopify-Hmac-Sha256", "X-Shopify-Webhook-Id", "X-Shopify-Topic", "X-Shopify-Shop-Domain"],
)
def test_a_missing_header_is_401(app: Flask, client: FlaskClient, missing: str) -> None:
    body = fixture_body("shop/redact")
    headers = webhook_headers("shop/redact", body)
    del headers[missing]
    answer = client.post("/webhooks", data=body, headers=headers)
    assert answer.status_code == 401
    assert event_count() == 0


def test_a_previous_secret_is_accepted_during_rotation(
    app: Flask, make_app: Callable[..., Flask], handled: list[ReceivedWebhook]
) -> None:
    rotated = make_app(
        SHOPIFY_API_SECRET="the-new-secret",
        SHOPIFY_API_SECRET_PREVIOUS=TEST_SHOPIFY_API_SECRET,
    )
    client = rotated.test_client()
    body = fixture_body("customers/data_request")
    by_old = deliver(client, "customers/data_request", body, webhook_id="wh-old")
    by_new = deliver(
        client,
        "customers/data_request",
        body,
        webhook_id="wh-new",
        signature=sign(body, "the-new-secret"),
    )
    by_other = deliver(client, "customers/data_request", body, signature=sign(body, "someone-else"))
    assert (by_old.status_code, by_new.status_code, by_other.status_code) == (200, 200, 401)

    without_previous = app.test_client()
    assert (
        deliver(
            without_previous, "customers/data_request", body, signature=sign(body, "the-new-secret")
        ).status_code
        == 401
    )
    run_webhook_jobs(app)
    assert sorted(call.webhook_id for call in handled) == ["wh-new", "wh-old"]


@pytest.mark.parametrize("domain", ["evil.example.com", "webhook-shop.myshopify.com.evil.com"])
def test_a_signed_delivery_for_a_non_myshopify_domain_is_400(
    app: Flask, client: FlaskClient, domain: str
) -> None:
    answer = deliver(client, "shop/redact", fixture_body("shop/redact"), shop=domain)
    assert answer.status_code == 400
    assert event_count() == 0
    assert queued_job_ids() == []


def test_a_signed_body_that_is_not_json_is_400_and_recorded_nowhere(
    app: Flask, client: FlaskClient
) -> None:
    body = b"topic=app/uninstalled"
    answer = client.post(
        "/webhooks",
        data=body,
        headers=webhook_headers("app/uninstalled", body),
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 400
    assert event_count() == 0
    assert queued_job_ids() == []


def test_a_body_over_the_limit_is_413(app: Flask, client: FlaskClient) -> None:
    body = b'{"pad":"' + b"x" * MAX_BODY_BYTES + b'"}'
    answer = client.post("/webhooks", data=body, headers=webhook_headers("products/update", body))
    assert answer.status_code == 413
    assert event_count() == 0


def test_an_unknown_topic_is_recorded_acknowledged_and_processed_as_a_no_op(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook]
) -> None:
    body = fixture_body("inventory_levels/update")
    answer = deliver(client, "inventory_levels/update", body, webhook_id="wh-unknown")
    assert answer.status_code == 200
    run_webhook_jobs(app)
    recorded = event("wh-unknown")
    assert recorded is not None
    assert recorded.topic == "inventory_levels/update"
    assert recorded.processed_at is not None
    assert recorded.error is None
    assert handled == []


def test_a_duplicate_of_a_delivery_whose_job_was_lost_is_enqueued_again(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook]
) -> None:
    body = fixture_body("customers/redact")
    deliver(client, "customers/redact", body, webhook_id="wh-lost")
    (lost,) = drain_ids()
    Job.fetch(lost, connection=current_broker().redis).delete()  # its "queued" key remains
    assert queued_job_ids() == []

    assert deliver(client, "customers/redact", body, webhook_id="wh-lost").status_code == 200
    (again,) = drain_ids()
    assert again != lost
    # A third copy finds that drain queued: nothing more is enqueued.
    assert deliver(client, "customers/redact", body, webhook_id="wh-lost").status_code == 200
    assert drain_ids() == [again]
    run_webhook_jobs(app)
    assert [call.webhook_id for call in handled] == ["wh-lost"]


def test_the_body_waits_on_the_row_and_is_cleared_once_handled(
    app: Flask, client: FlaskClient
) -> None:
    body = fixture_body("customers/redact")
    deliver(client, "customers/redact", body, webhook_id="wh-body")
    waiting = event("wh-body")
    assert waiting is not None
    assert waiting.payload == body.decode()
    run_webhook_jobs(app)
    done = event("wh-body")
    assert done is not None
    assert done.processed_at is not None
    assert done.payload is None


def test_a_redis_restart_loses_no_delivery_the_sweep_enqueues_it_again(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook]
) -> None:
    body = fixture_body("shop/redact")
    deliver(client, "shop/redact", body, webhook_id="wh-redis-restart")
    deliver(client, "customers/redact", fixture_body("customers/redact"), webhook_id="wh-done")
    run_webhook_jobs(app)
    handled.clear()
    deliver(client, "shop/redact", body, webhook_id="wh-redis-restart-2")
    current_broker().redis.flushdb()  # Redis restarted without its data
    assert queued_job_ids() == []
    received = event("wh-redis-restart-2")
    assert received is not None

    # Too recent: the drain may still be on its way.
    assert requeue_waiting_deliveries(received.received_at + SWEEP_AFTER / 2) == 0
    later = received.received_at + SWEEP_AFTER + timedelta(seconds=1)
    assert requeue_waiting_deliveries(later) == 1
    assert requeue_waiting_deliveries(later) == 0  # its drain is queued now
    run_webhook_jobs(app)
    assert [call.webhook_id for call in handled] == ["wh-redis-restart-2"]
    processed = event("wh-redis-restart-2")
    assert processed is not None
    assert processed.processed_at is not None


def test_a_malformed_payload_is_recorded_as_an_error_and_not_retried(
    app: Flask, client: FlaskClient
) -> None:
    installed_shop()
    body = json.dumps({"id": 1, "current": "write_products"}).encode()
    deliver(client, "app/scopes_update", body, webhook_id="wh-malformed")
    run_webhook_jobs(app)
    recorded = event("wh-malformed")
    assert recorded is not None
    assert recorded.processed_at is None
    assert recorded.error is not None
    assert "'current' is not a list" in recorded.error
    (drain,) = current_broker().queue("webhooks").finished_job_registry.get_job_ids()
    job = Job.fetch(drain, connection=current_broker().redis)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"processed": 0, "rejected": 1, "failed": 0}
    # Processing has ended: neither the sweep nor Shopify's retry drains it again.
    assert requeue_waiting_deliveries(utcnow() + timedelta(hours=1)) == 0
    db.session.expunge_all()  # the retry arrives in a request of its own
    assert deliver(client, "app/scopes_update", body, webhook_id="wh-malformed").status_code == 200
    assert queued_job_ids() == []


def test_a_handler_bug_is_recorded_on_its_delivery_and_the_others_are_handled(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(webhook: ReceivedWebhook) -> None:
        raise RuntimeError("a bug in the handler")

    monkeypatch.setitem(webhook_handlers.HANDLERS, "customers/redact", broken)
    deliver(client, "customers/redact", fixture_body("customers/redact"), webhook_id="wh-broken")
    body = fixture_body("customers/data_request")
    deliver(client, "customers/data_request", body, webhook_id="wh-after")
    run_webhook_jobs(app)
    recorded = event("wh-broken")
    assert recorded is not None
    assert recorded.processed_at is None
    assert recorded.error == "RuntimeError: a bug in the handler"
    after = event("wh-after")
    assert after is not None
    assert after.processed_at is not None
    assert [call.webhook_id for call in handled] == ["wh-after"]


def test_a_database_outage_mid_drain_keeps_the_rest_waiting_and_retries(
    app: Flask, client: FlaskClient, handled: list[ReceivedWebhook], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = fixture_body("customers/redact")
    for webhook_id in ("wh-1", "wh-2", "wh-3"):
        deliver(client, "customers/redact", body, webhook_id=webhook_id)
    original = webhook_handlers.HANDLERS["customers/redact"]

    def outage_at_the_second(webhook: ReceivedWebhook) -> None:
        if webhook.webhook_id == "wh-2":
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        original(webhook)

    monkeypatch.setitem(webhook_handlers.HANDLERS, "customers/redact", outage_at_the_second)
    run_webhook_jobs(app)
    states = {w: event(w) for w in ("wh-1", "wh-2", "wh-3")}
    # Nothing of the chunk was committed (the connection is gone); nothing marked failed.
    assert all(e is not None and (e.processed_at, e.error) == (None, None) for e in states.values())
    (drain,) = current_broker().queue("webhooks").scheduled_job_registry.get_job_ids()
    job = Job.fetch(drain, connection=current_broker().redis)
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.retries_left == 2

    monkeypatch.setitem(webhook_handlers.HANDLERS, "customers/redact", original)
    assert drain_deliveries(SHOP).counts() == {"processed": 3, "rejected": 0, "failed": 0}


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.addFilter(ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_every_log_line_of_a_webhook_carries_its_shop_and_job_id(
    app: Flask, client: FlaskClient
) -> None:
    installed_shop()
    collect = Collect()
    logger = logging.getLogger("app.shopify")
    logger.addHandler(collect)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        deliver(client, "app/uninstalled", fixture_body("app/uninstalled"), webhook_id="wh-logs")
        deliver(client, "app/uninstalled", fixture_body("app/uninstalled"), webhook_id="wh-logs")
        run_webhook_jobs(app)
    finally:
        logger.removeHandler(collect)
        logger.setLevel(previous)
    assert len(collect.records) >= 4
    for record in collect.records:
        # The ECS names the JSON lines carry (app/observability/logging.py).
        assert getattr(record, "labels.shop", None) == SHOP, record.getMessage()
        assert getattr(record, "labels.webhook_id", None) == "wh-logs", record.getMessage()
