"""Ingest jobs: submit a batch, collect (and resume) tickets, refresh one product now.

Jobs take ids, build the provider from the settings and call the services. `ingest_tick`
is the scheduler's periodic task: it only claims rows and enqueues these jobs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import current_settings, db
from app.ingest.batch import collect_pending, pending_count, submit_claimed, unsubmitted_batches
from app.ingest.polling import claim_due
from app.ingest.provider import MAX_BATCH, Provider, provider_from_settings
from app.ingest.refresh import RefreshOutcome, refresh_product
from app.jobs.decorators import job
from app.jobs.liveness import job_alive

log = logging.getLogger(__name__)

#: One collect job drains at most this many chunks, then leaves the rest to the next tick.
MAX_COLLECT_CHUNKS = 50


def current_provider() -> Provider:
    """The provider the app's settings configure (AuthError without credentials)."""
    return provider_from_settings(current_settings())


def submit_job_id(batch_key: str) -> str:
    return f"ingest-submit-{batch_key}"


@job("ingest", timeout=600, retry_intervals=(30, 120, 600), job_id=submit_job_id)
def submit_batch(batch_key: str) -> int:
    """Submit the claimed batch `batch_key`; its tickets are committed before anything is
    collected. A batch submitted already submits nothing (0)."""
    submitted = submit_claimed(batch_key, current_provider(), utcnow())
    if submitted:
        collect_tickets.enqueue()
    return submitted


def submit_alive(batch_key: str) -> bool:
    """True while the batch's submit job waits or runs with a current heartbeat."""
    return job_alive(current_broker().redis, submit_batch.spec.queue, submit_job_id(batch_key))


@job("ingest", timeout=900, retry_intervals=(10, 60), job_id=lambda: "ingest-collect")
def collect_tickets() -> int:
    """Collect every ready ticket, oldest first; pending ones wait for the next run."""
    provider = current_provider()
    total = 0
    for _ in range(MAX_COLLECT_CHUNKS):
        run = collect_pending(provider, utcnow())
        total += run.stored
        if run.stopped_by is not None:
            log.warning("collecting stopped: %s", run.stopped_by)
            break
        if run.stored + run.faulted + run.abandoned == 0:
            break
    return total


@job(
    "ingest",
    timeout=300,
    retry_intervals=(15, 60, 300),
    job_id=lambda product_id: f"refresh-{product_id}",
)
def refresh_now(product_id: int) -> str:
    """Poll one product through the realtime path (the merchant asked for it)."""
    outcome: RefreshOutcome = refresh_product(product_id, current_provider(), utcnow())
    return outcome.value


def ingest_tick(now: datetime) -> int:
    """Claim due products and enqueue their batches; submit again the batches whose submit job
    was lost (killed with its worker, or with Redis's queues); resume any pending tickets.
    How many products were claimed."""
    claim = claim_due(now, batch_size=MAX_BATCH)
    for batch in claim.batches:
        submit_batch.enqueue(batch.key)
    lost = unsubmitted_batches(now, submit_alive)
    db.session.rollback()
    for key in lost:
        log.warning("batch %s was claimed but its submit job was lost: submitting it again", key)
        submit_batch.enqueue(key)
    if pending_count() and not (claim.batches or lost):
        collect_tickets.enqueue()
    return len(claim.product_ids)
