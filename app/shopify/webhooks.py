"""`POST /webhooks`: every Shopify topic, verified, recorded once and processed in a job.

The request only verifies, inserts the `WebhookEvent` row with the body (its primary key, the
webhook id, de-duplicates) and wakes its shop's drain; Shopify wants an answer within seconds
and retries anything else. The body waits on the row, in PostgreSQL, and is cleared once
handled: not in Redis, whose restart would lose it, and not in the job's arguments, which RQ
logs (compliance payloads carry customer e-mails and phone numbers).

One job drains a shop's waiting deliveries, oldest first, a chunk of `DRAIN_CHUNK` rows per
transaction, each handler in a savepoint: a storm of deliveries costs one job, one work horse
and one connection, not one each (issue 14: 1,000 deliveries at ~60 ms of worker CPU each
was the bottleneck). Waking is `SET NX` of the shop's "drain queued" key in Redis: only the
request that sets it enqueues a drain, and the drain deletes it before it reads any row, so a
delivery committed while a drain is queued is read by it, and one committed after the drain
started queues the next. A delivery whose row waits but whose drain is gone (a Redis restart,
a crash between commit and enqueue, a killed worker) is drained again when Shopify retries it,
and by the scheduler's sweep within `SWEEP_AFTER` in any case.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import current_settings, db
from app.jobs.decorators import job
from app.jobs.liveness import job_alive
from app.models import WebhookEvent
from app.observability.logging import bound
from app.outage import dependency_of
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
# A delivery still waiting this long after it arrived may have lost its drain (a Redis
# restart, a killed worker): the sweep wakes its shop's drain. Waking is a no-op while a drain
# is queued, and a drain finds nothing a running one has taken, so a short delay costs little.
SWEEP_AFTER: Final = timedelta(seconds=10)
SWEEP_BATCH: Final = 500
# Rows locked and handled per transaction: the handlers' changes and `processed_at` commit
# together, a chunk at a time.
DRAIN_CHUNK: Final = 100
# One drain stops after this long and queues the next, so a job never nears its timeout.
DRAIN_SECONDS: Final = 60.0
# The "drain queued" key outlives a lost enqueue by this long at most (the sweep checks
# sooner whether its drain still exists).
QUEUED_TTL_SECONDS: Final = 300
_UNSAFE_JOB_ID_CHARS: Final = re.compile(r"[^A-Za-z0-9_-]")
# Delete the key only if it still names this drain (a newer drain may have been queued).
_CLEAR_IF_MINE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"  # noqa: E501
# Topics whose handler deletes the shop's other webhook rows: their chunk ends with them.
_ERASES_DELIVERIES: Final = frozenset({"shop/redact"})


def _job_safe(text: str) -> str:
    """`text` as RQ allows in a job id: itself when safe, else sanitized plus a digest so that
    two different texts never share an id."""
    safe = _UNSAFE_JOB_ID_CHARS.sub("_", text)
    if safe == text:
        return safe
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{safe[:96]}-{digest}"


def drain_job_id(shop_domain: str, token: str) -> str:
    """The job id of one drain of the shop's deliveries (`token` tells drains apart)."""
    return f"webhooks-{_job_safe(shop_domain)}-{_job_safe(token)}"


def drain_queued_key(shop_domain: str) -> str:
    """Redis key naming the shop's queued drain; under the shop's prefix, so shop/redact
    deletes it (`app.shopify.webhook_handlers.SHOP_REDIS_PREFIXES`)."""
    return f"pricebridge:shop:{shop_domain}:webhooks-queued"


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
    with bound(shop=delivery.shop_domain, webhook_id=delivery.webhook_id):
        if record_delivery(delivery, body):
            wake_drain(delivery.shop_domain)
            log.info("webhook %s %s accepted", delivery.topic, delivery.webhook_id)
        else:
            _wake_if_waiting(delivery)
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


def wake_drain(shop_domain: str, *, check_lost: bool = False) -> bool:
    """Make sure a drain of the shop's deliveries runs after the caller's commit; True when
    this call queued one. A drain already queued (not yet started) is left to read the new
    rows. `check_lost`: also replace a queued drain that no longer exists (the sweep, and a
    delivery Shopify sent again, ask for this; a new delivery need not)."""
    redis = current_broker().redis
    key = drain_queued_key(shop_domain)
    token = uuid.uuid4().hex[:16]
    if redis.set(key, token, nx=True, ex=QUEUED_TTL_SECONDS):
        process_shop_webhooks.enqueue(shop_domain, token)
        return True
    if not check_lost:
        return False
    queued = redis.get(key)
    if queued is None:
        return wake_drain(shop_domain)  # it started meanwhile: queue the next one
    queued_token = queued.decode() if isinstance(queued, bytes) else str(queued)
    queue = process_shop_webhooks.spec.queue
    if job_alive(redis, queue, drain_job_id(shop_domain, queued_token)):
        return False
    log.warning("the queued drain of %s's webhooks was lost; queueing another", shop_domain)
    redis.eval(_CLEAR_IF_MINE, 1, key, queued_token)
    return wake_drain(shop_domain)


def _wake_if_waiting(delivery: Delivery) -> None:
    """Shopify sent a delivery we have: wake the drain again if it still waits (its drain may
    have been lost); otherwise there is nothing to do."""
    event = db.session.get(WebhookEvent, delivery.webhook_id)
    waiting = event is not None and event.processed_at is None and event.error is None
    db.session.rollback()
    if waiting:
        wake_drain(delivery.shop_domain, check_lost=True)
        log.info("duplicate of waiting webhook %s %s", delivery.topic, delivery.webhook_id)
    else:
        log.info("duplicate webhook %s %s ignored", delivery.topic, delivery.webhook_id)


def requeue_waiting_deliveries(now: datetime, *, older_than: timedelta = SWEEP_AFTER) -> int:
    """Periodic: wake the drain of every shop with a delivery waiting longer than
    `older_than` whose queued drain does not exist; how many drains were queued."""
    shops = db.session.scalars(
        select(WebhookEvent.shop_domain)
        .where(
            WebhookEvent.processed_at.is_(None),
            WebhookEvent.error.is_(None),
            WebhookEvent.received_at < now - older_than,
        )
        .group_by(WebhookEvent.shop_domain)
        .order_by(func.min(WebhookEvent.received_at))
        .limit(SWEEP_BATCH)
    ).all()
    db.session.rollback()
    woken = sum(1 for shop_domain in shops if wake_drain(shop_domain, check_lost=True))
    if woken:
        log.warning("woke the drains of %d shops with deliveries waiting too long", woken)
    return woken


@job("webhooks", timeout=600, retry_intervals=(10, 60, 300), job_id=drain_job_id)
def process_shop_webhooks(shop_domain: str, token: str) -> dict[str, int]:
    """Handle the shop's waiting deliveries (one drain; `token` names it). From the moment it
    starts, a new delivery queues the next drain. What happened to how many deliveries."""
    current_broker().redis.eval(_CLEAR_IF_MINE, 1, drain_queued_key(shop_domain), token)
    with bound(shop=shop_domain):
        report = drain_deliveries(shop_domain)
        if report.stopped_early:
            wake_drain(shop_domain)
    return report.counts()


@dataclass
class DrainReport:
    processed: int = 0
    rejected: int = 0
    failed: int = 0
    stopped_early: bool = False

    def counts(self) -> dict[str, int]:
        return {"processed": self.processed, "rejected": self.rejected, "failed": self.failed}


def drain_deliveries(shop_domain: str, *, seconds: float = DRAIN_SECONDS) -> DrainReport:
    """Handle the shop's waiting deliveries, oldest first, `DRAIN_CHUNK` per transaction,
    until none waits or `seconds` have passed (then `stopped_early`).

    Each delivery's handler runs in a savepoint. A payload that cannot be handled (its shape,
    or a value the database refuses) ends that delivery with its reason on its row
    (`rejected`). A handler's bug ends it with the error on its row (`failed`: retrying cannot
    fix code) and the others go on. An unreachable dependency, or a row changed under the
    handler (a concurrent delete), is transient: the chunk's earlier deliveries are committed,
    the rest stay waiting, and the error is raised so that RQ retries the drain.
    """
    report = DrainReport()
    deadline = time.monotonic() + seconds
    while True:
        chunk = _lock_waiting(shop_domain)
        if not chunk:
            db.session.rollback()
            return report
        handled: list[tuple[str, str]] = []
        try:
            _drain_chunk(chunk, report, handled)
        except Exception as error:
            if dependency_of(error) is None:
                db.session.commit()  # what was handled before it stands
                _log_processed(handled)
            else:
                db.session.rollback()
            raise
        db.session.commit()
        _log_processed(handled)
        if time.monotonic() > deadline:
            report.stopped_early = True
            return report


def _log_processed(handled: list[tuple[str, str]]) -> None:
    """Once committed: a delivery is said processed only when it is."""
    for topic, webhook_id in handled:
        with bound(webhook_id=webhook_id):
            log.info("webhook %s %s processed", topic, webhook_id)


def _lock_waiting(shop_domain: str) -> Sequence[WebhookEvent]:
    statement = (
        select(WebhookEvent)
        .where(
            WebhookEvent.shop_domain == shop_domain,
            WebhookEvent.processed_at.is_(None),
            WebhookEvent.error.is_(None),
        )
        .order_by(WebhookEvent.received_at, WebhookEvent.webhook_id)
        .limit(DRAIN_CHUNK)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return db.session.scalars(statement).all()


def _drain_chunk(
    chunk: Sequence[WebhookEvent], report: DrainReport, handled: list[tuple[str, str]]
) -> None:
    for event in chunk:
        with bound(webhook_id=event.webhook_id):
            outcome = _handle(event)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "processed":
            handled.append((event.topic, event.webhook_id))
            if event.topic in _ERASES_DELIVERIES:
                return  # the shop's other rows are gone: the next chunk reads what is left


def _handle(event: WebhookEvent) -> str:
    """Run the delivery's handler in a savepoint and record what happened on its row:
    `processed`, `rejected` or `failed`; raise when the failure is transient."""
    webhook_id, topic = event.webhook_id, event.topic
    if event.payload is None:
        event.error = "the delivery's body is missing; not processed"
        log.error("webhook %s %s: body missing; not processed", topic, webhook_id)
        return "rejected"
    handler = handler_for(topic)
    try:
        with db.session.begin_nested():
            if handler is None:
                log.info("no handler for topic %s: recorded and acknowledged", topic)
            else:
                payload = parse_payload(event.payload.encode("utf-8"))
                handler(
                    ReceivedWebhook(
                        webhook_id, topic, event.shop_domain, event.triggered_at, payload
                    )
                )
            # Inside the savepoint: a value the database refuses fails this delivery alone.
            db.session.flush()
    except (WebhookPayloadError, DataError) as error:
        # Retrying cannot fix the payload: the error stays on the row for a person to see.
        # A DataError is a value the database refuses (out of a column's range).
        reason = str(error.orig) if isinstance(error, DataError) else str(error)
        event.error = reason[:2000]
        log.error("webhook %s %s has a malformed payload: %s", topic, webhook_id, reason)
        return "rejected"
    except (StaleDataError, ObjectDeletedError):
        raise  # a row changed under the handler: the retry reads it afresh
    except Exception as error:
        if dependency_of(error) is not None:
            raise
        event.error = f"{type(error).__name__}: {error}"[:2000]
        log.exception("webhook %s %s failed in its handler; not retried", topic, webhook_id)
        return "failed"
    event.processed_at = utcnow()
    event.payload = None  # handled: keep no customer data longer than needed
    return "processed"


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
