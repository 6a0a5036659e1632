"""Ingest jobs: submit a batch, collect (and resume) tickets, refresh one product now.

Jobs take ids, build the provider from the settings and call the services. `ingest_tick`
is the scheduler's periodic task: it only claims rows and enqueues these jobs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from app.clock import utcnow
from app.extensions import current_settings
from app.ingest.batch import collect_pending, pending_count, submit_products
from app.ingest.polling import claim_due, planned_batches
from app.ingest.provider import MAX_BATCH, Provider, provider_from_settings
from app.ingest.refresh import RefreshOutcome, refresh_product
from app.jobs.decorators import job

log = logging.getLogger(__name__)

#: One collect job drains at most this many chunks, then leaves the rest to the next tick.
MAX_COLLECT_CHUNKS = 50


def current_provider() -> Provider:
    """The provider the app's settings configure (AuthError without credentials)."""
    return provider_from_settings(current_settings())


@job(
    "ingest",
    timeout=600,
    retry_intervals=(30, 120, 600),
    job_id=lambda product_ids, batch_key: f"ingest-submit-{batch_key}",
)
def submit_batch(product_ids: list[int], batch_key: str) -> int:
    """Submit one provider batch; its tickets are committed before anything is collected."""
    submitted = submit_products(product_ids, current_provider(), utcnow())
    if submitted:
        collect_tickets.enqueue()
    return submitted


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
    """Claim due products, enqueue their batches, and resume any pending tickets."""
    claim = claim_due(now)
    batches = planned_batches(claim, size=MAX_BATCH)
    for product_ids in batches:
        submit_batch.enqueue(product_ids, f"{now:%Y%m%dT%H%M%S}-{product_ids[0]}")
    if pending_count() and not batches:
        collect_tickets.enqueue()
    return len(claim.due)
