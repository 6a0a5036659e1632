"""`POST /webhooks`: every Shopify topic, verified, recorded once and processed in a job.

The request only verifies, inserts the `WebhookEvent` row with the body (its primary key, the
webhook id, de-duplicates) and enqueues `process_webhook(webhook_id)`; Shopify wants an answer
within seconds and retries anything else. The body waits on the row, in PostgreSQL, and is
cleared once handled: not in Redis, whose restart would lose it, and not in the job's
arguments, which RQ logs (compliance payloads carry customer e-mails and phone numbers).
A delivery whose row waits but whose job is gone (a Redis restart, a crash between commit and
enqueue) is enqueued again when Shopify retries it, and by the scheduler's sweep in any case.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timedelta
from typing import Final

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import current_settings, db
from app.jobs.decorators import job
from app.jobs.liveness import job_alive
from app.models import WebhookEvent
from app.observability.logging import bound
from app.shopify.domains import is_shop_domain
from app.shopify.webhook_handlers import ReceivedWebhook, WebhookPayloadError, handler_for
from app.shopify.webhook_verify import (
    Delivery,
    HeaderItems,
    WebhookRejected,
    parse_payload,
    shopify_headers,
    verify_delivery,
)

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

# Product payloads carry at most 100 full variants; 2 MiB leaves room and bounds memory.
MAX_BODY_BYTES: Final = 2 * 1024 * 1024
# A delivery still waiting this long after it arrived has lost its job (a Redis restart).
SWEEP_AFTER: Final = timedelta(minutes=2)
SWEEP_BATCH: Final = 500
_UNSAFE_JOB_ID_CHARS: Final = re.compile(r"[^A-Za-z0-9_-]")


def webhook_job_id(webhook_id: str) -> str:
    """The job id for a delivery: the webhook id itself when it is already job-id safe (UUIDs
    are), else sanitized plus a digest so that two different ids never share a job."""
    safe = _UNSAFE_JOB_ID_CHARS.sub("_", webhook_id)
    if safe == webhook_id:
        return f"webhook-{safe}"
    digest = hashlib.sha256(webhook_id.encode()).hexdigest()[:16]
    return f"webhook-{safe[:96]}-{digest}"


@bp.post("/webhooks")
def receive_webhook() -> ResponseReturnValue:
    body = _raw_body()
    settings = current_settings()
    secrets = (settings.shopify_api_secret, settings.shopify_api_secret_previous or "")
    try:
        delivery = verify_delivery(request.headers.items(), body, secrets)
    except WebhookRejected as rejected:
        with bound(shop=_claimed_shop(request.headers.items())):
            log.warning("webhook rejected: %s %s", rejected.reason, rejected.detail)
        return Response(rejected.reason, status=rejected.status, mimetype="text/plain")
    with bound(shop=delivery.shop_domain, job_id=webhook_job_id(delivery.webhook_id)):
        if record_delivery(delivery, body):
            process_webhook.enqueue(delivery.webhook_id)
            log.info("webhook %s %s accepted", delivery.topic, delivery.webhook_id)
        else:
            _requeue_if_lost(delivery)
    return Response(status=200)


def record_delivery(delivery: Delivery, body: bytes) -> bool:
    """Insert the delivery's row and commit; False when the webhook id was already recorded.

    Insert-then-catch is ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike: a concurrent
    insert of the same id waits for the first to commit and then fails on the primary key.
    """
    db.session.add(
        WebhookEvent(
            webhook_id=delivery.webhook_id,
            shop_domain=delivery.shop_domain,
            topic=delivery.topic,
            api_version=delivery.api_version,
            triggered_at=delivery.triggered_at,
            received_at=utcnow(),
            # verify_delivery has parsed it as UTF-8 JSON already.
            payload=body.decode("utf-8"),
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _job_lost(webhook_id: str) -> bool:
    queue = process_webhook.spec.queue
    return not job_alive(current_broker().redis, queue, webhook_job_id(webhook_id))


def _requeue_if_lost(delivery: Delivery) -> None:
    event = db.session.get(WebhookEvent, delivery.webhook_id)
    waiting = event is not None and event.processed_at is None and event.error is None
    if waiting and _job_lost(delivery.webhook_id):
        log.warning(
            "duplicate %s of an unprocessed delivery with no job: enqueued again",
            delivery.webhook_id,
        )
        process_webhook.enqueue(delivery.webhook_id)
    else:
        log.info("duplicate webhook %s %s ignored", delivery.topic, delivery.webhook_id)


def requeue_waiting_deliveries(now: datetime, *, older_than: timedelta = SWEEP_AFTER) -> int:
    """Enqueue again every delivery still waiting for a job that no longer exists."""
    waiting = db.session.scalars(
        select(WebhookEvent.webhook_id)
        .where(
            WebhookEvent.processed_at.is_(None),
            WebhookEvent.error.is_(None),
            WebhookEvent.received_at < now - older_than,
        )
        .order_by(WebhookEvent.received_at)
        .limit(SWEEP_BATCH)
    ).all()
    db.session.rollback()
    lost = [webhook_id for webhook_id in waiting if _job_lost(webhook_id)]
    for webhook_id in lost:
        process_webhook.enqueue(webhook_id)
    if lost:
        log.warning("re-enqueued %d webhook deliveries whose jobs were lost", len(lost))
    return len(lost)


@job(
    "webhooks",
    timeout=120,
    retry_intervals=(10, 60, 300),
    job_id=webhook_job_id,
)
def process_webhook(webhook_id: str) -> str:
    """Run the topic's handler once for a recorded delivery; return what happened."""
    event = db.session.get(WebhookEvent, webhook_id, with_for_update=True)
    if event is None:
        log.warning("webhook %s has no record (erased by shop/redact?); skipped", webhook_id)
        return "missing"
    with bound(shop=event.shop_domain):
        if event.processed_at is not None:
            db.session.rollback()
            log.info("webhook %s already processed; nothing to do", webhook_id)
            outcome = "already processed"
        else:
            outcome = _run_handler(event)
    return outcome


def _run_handler(event: WebhookEvent) -> str:
    webhook_id, topic = event.webhook_id, event.topic
    if event.payload is None:
        _record_error(webhook_id, "the delivery's body is missing; not processed")
        log.error("webhook %s %s: body missing; not processed", topic, webhook_id)
        return "payload missing"
    payload = parse_payload(event.payload.encode("utf-8"))
    handler = handler_for(topic)
    if handler is None:
        log.info("no handler for topic %s: recorded and acknowledged", topic)
    else:
        received = ReceivedWebhook(
            webhook_id, topic, event.shop_domain, event.triggered_at, payload
        )
        try:
            handler(received)
        except (WebhookPayloadError, DataError) as error:
            # Retrying cannot fix the payload: the error stays on the row for a person to see.
            # A DataError is a value the database refuses (out of a column's range).
            reason = str(error.orig) if isinstance(error, DataError) else str(error)
            _record_error(webhook_id, reason)
            log.error("webhook %s %s has a malformed payload: %s", topic, webhook_id, reason)
            return "rejected"
        except Exception as error:
            _record_error(webhook_id, f"{type(error).__name__}: {error}")
            raise  # RQ retries the job, then keeps it in the failed registry
    event.processed_at = utcnow()
    event.error = None
    event.payload = None  # handled: keep no customer data longer than needed
    try:
        db.session.commit()
    except DataError as error:
        # A value in the payload the database refuses (out of a column's range): retrying
        # cannot fix it, so the delivery ends here, its reason on its row, like any other
        # malformed payload. Outages (OperationalError) still propagate and are retried.
        _record_error(webhook_id, f"the payload holds a value that cannot be stored: {error.orig}")
        log.error("webhook %s %s has a value that cannot be stored: %s", topic, webhook_id, error)
        return "rejected"
    log.info("webhook %s %s processed", topic, webhook_id)
    return "processed"


def _record_error(webhook_id: str, message: str) -> None:
    db.session.rollback()
    event = db.session.get(WebhookEvent, webhook_id)
    if event is not None:
        event.error = message[:2000]
        db.session.commit()


def _raw_body() -> bytes:
    """The exact body bytes the HMAC covers, read once and never parsed as a form."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        abort(413)
    request.max_content_length = MAX_BODY_BYTES  # also bounds a chunked body
    return request.get_data(cache=False, parse_form_data=False)


def _claimed_shop(headers: HeaderItems) -> str | None:
    """The shop a rejected request claims to be from, when it at least looks like one."""
    try:
        claimed = shopify_headers(headers).get("shop-domain", "")
    except WebhookRejected:
        return None
    return claimed if is_shop_domain(claimed) else None
