"""Every Prometheus family PriceBridge exports, and the one-line hooks that feed them.

Naming follows Prometheus' conventions (https://prometheus.io/docs/practices/naming/): a
``pricebridge_`` prefix, base units (seconds, ratios), ``_total`` on counters, ``_seconds`` on
durations. No family has a shop label: shops are unbounded, and a series per shop would grow
Prometheus without end; logs carry the shop instead.

Families whose value lives in PostgreSQL or Redis (queue depth, oldest job age, outbox
backlog, budgets) are read when scraped, by `app.observability.state_metrics`. The rest are
counted in the process that sees the event.

Under gunicorn and the RQ worker, several processes write the same families: with
``PROMETHEUS_MULTIPROC_DIR`` set, each writes its own files there and ``/metrics`` (or the
worker's exporter) merges them (prometheus_client's multiprocess mode). An RQ worker forks a
work horse per job; the horses of one worker never overlap, so they share one file set
(`become_work_horse`) instead of leaving one per job behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram, values

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_identity: dict[str, str | None] = {"slot": None}


def _process_identifier() -> str:
    return _identity["slot"] or str(os.getpid())


def become_work_horse(parent_pid: int) -> None:
    """Write this process's figures to the file set of ``parent_pid``'s work horses.

    Only sound where at most one such process runs at a time (RQ's horse of one worker).
    """
    _identity["slot"] = f"{parent_pid}-horse"


# prometheus_client picks its value class from the environment when imported; this swaps in
# one that knows the work-horse slot. It must happen before the families below are made.
if os.environ.get(MULTIPROC_ENV):
    values.ValueClass = values.MultiProcessValue(_process_identifier)  # type: ignore[no-untyped-call]

_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOBS = (0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 150.0, 300.0, 900.0)
_PRICE_LATENCY = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 21600.0)
_RATIO = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)

HTTP_REQUEST_DURATION = Histogram(
    "pricebridge_http_request_duration_seconds",
    "Time to answer an HTTP request; its _count is the number of requests.",
    ["route", "method", "status"],
    buckets=_FAST,
)
JOB_DURATION = Histogram(
    "pricebridge_job_duration_seconds",
    "Time a background job ran, by job function and outcome (succeeded or failed).",
    ["job", "outcome"],
    buckets=_JOBS,
)
SCHEDULER_TASK_DURATION = Histogram(
    "pricebridge_scheduler_task_duration_seconds",
    "Time one run of a periodic task took in the scheduler (claiming rows, enqueueing jobs).",
    ["task"],
    buckets=_FAST,
)
SCRAPE_RESULTS = Counter(
    "pricebridge_scrape_results_total",
    "Amazon polls by outcome: trusted; quarantined, by reason; failed, by error class.",
    ["outcome", "reason"],
)
OXYLABS_RESULTS_BILLED = Counter(
    "pricebridge_oxylabs_results_billed_total",
    "Oxylabs results that count against the bill (2xx and 4xx answers), by endpoint.",
    ["endpoint"],
)
SHOPIFY_COST_POINTS = Counter(
    "pricebridge_shopify_cost_points_total",
    "Admin GraphQL cost points Shopify charged (actualQueryCost), by operation.",
    ["operation"],
)
SHOPIFY_THROTTLED = Counter(
    "pricebridge_shopify_throttled_total",
    "Admin API answers that said slow down: THROTTLED (HTTP 200) or HTTP 429.",
    ["operation", "kind"],
)
SHOPIFY_BUCKET_FILL = Histogram(
    "pricebridge_shopify_bucket_fill_ratio",
    "How full the shop's cost bucket was when Shopify answered (currentlyAvailable / maximum).",
    buckets=_RATIO,
)
PRICE_CONFIRMATION_LATENCY = Histogram(
    "pricebridge_price_confirmation_latency_seconds",
    "From the Amazon observation to Shopify confirming the price it led to.",
    buckets=_PRICE_LATENCY,
)
PRICE_PUSHES = Counter(
    "pricebridge_price_pushes_total",
    "Price pushes to Shopify that ended, by outcome (pushed or failed).",
    ["outcome"],
)
RECONCILIATION_DRIFT = Counter(
    "pricebridge_reconciliation_drift_total",
    "Variants whose price in Shopify differed from the last price PriceBridge confirmed.",
)
WEBSOCKETS_OPEN = Gauge(
    "pricebridge_websockets_open",
    "Dashboard websockets open now (app/realtime/hub.py opens and releases them).",
    multiprocess_mode="livesum",
)
UNRECOGNISED_TEXTS = Counter(
    "pricebridge_unrecognised_texts_total",
    "Amazon texts no rule understood (stock or delivery), kept raw for a new rule.",
    ["field"],
)


def job_finished(job: str, succeeded: bool, seconds: float) -> None:
    """``job`` is the job function's dotted name (RQ's ``func_name``)."""
    JOB_DURATION.labels(job, "succeeded" if succeeded else "failed").observe(seconds)


def scheduler_task_ran(task: str, seconds: float) -> None:
    SCHEDULER_TASK_DURATION.labels(task).observe(seconds)


def scrape_trusted() -> None:
    SCRAPE_RESULTS.labels("trusted", "").inc()


# Filled by `declare_known_labels` (create_app), from `app.ingest.reading.QuarantineReason`.
_QUARANTINE_REASONS: set[str] = set()


def scrape_quarantined(reason: str | None) -> None:
    """``reason`` is a `QuarantineReason` value; anything else counts as ``other``."""
    SCRAPE_RESULTS.labels("quarantined", reason if reason in _QUARANTINE_REASONS else "other").inc()


def scrape_failed(error: BaseException, polls: int = 1) -> None:
    """``polls`` that ended in ``error`` (a refused batch fails all of its listings)."""
    SCRAPE_RESULTS.labels("failed", type(error).__name__).inc(polls)


def oxylabs_billed(endpoint: str, results: int = 1) -> None:
    OXYLABS_RESULTS_BILLED.labels(endpoint).inc(results)


def shopify_answered(operation: str, cost: float | None, available: float, maximum: float) -> None:
    """One Admin GraphQL answer: the points it cost and the bucket it left."""
    if cost:
        SHOPIFY_COST_POINTS.labels(operation).inc(cost)
    if maximum > 0:
        SHOPIFY_BUCKET_FILL.observe(min(1.0, max(0.0, available / maximum)))


def shopify_throttled(operation: str, kind: str) -> None:
    """``kind`` is ``graphql`` (a THROTTLED error) or ``http_429``."""
    SHOPIFY_THROTTLED.labels(operation, kind).inc()


def price_pushed(observed_at: datetime | None, confirmed_at: datetime) -> None:
    PRICE_PUSHES.labels("pushed").inc()
    if observed_at is not None:
        PRICE_CONFIRMATION_LATENCY.observe(max(0.0, (confirmed_at - observed_at).total_seconds()))


def price_push_failed() -> None:
    PRICE_PUSHES.labels("failed").inc()


def reconciliation_drift(variants: int = 1) -> None:
    if variants:
        RECONCILIATION_DRIFT.inc(variants)


def unrecognised_text(field: str) -> None:
    """``field`` is ``stock`` or ``delivery``."""
    UNRECOGNISED_TEXTS.labels(field).inc()


def _initialise_known_series() -> None:
    """Every label value known in advance starts at 0, so that a family and each of its series
    are there before the first event, and rate() sees the first increase (Prometheus'
    instrumentation practice: "avoid missing metrics"). The stages' own label values (quarantine
    reasons, provider errors, GraphQL operations) come through `declare_known_labels`."""
    SCRAPE_RESULTS.labels("trusted", "")
    for endpoint in ("realtime", "push_pull"):
        OXYLABS_RESULTS_BILLED.labels(endpoint)
    for outcome in ("pushed", "failed"):
        PRICE_PUSHES.labels(outcome)
    for field in ("stock", "delivery"):
        UNRECOGNISED_TEXTS.labels(field)


def declare_known_labels(
    *,
    quarantine_reasons: Iterable[str],
    provider_errors: type[Exception],
    shopify_operations: Iterable[str],
) -> None:
    """Start the stages' series at 0: every quarantine reason, every provider error class
    (``provider_errors`` and its subclasses), every Admin GraphQL operation. Called by
    `create_app`, so this module imports no stage (the stages import it)."""
    _QUARANTINE_REASONS.update(quarantine_reasons)
    for reason in sorted(_QUARANTINE_REASONS):
        SCRAPE_RESULTS.labels("quarantined", reason)
    for error in _provider_errors(provider_errors):
        SCRAPE_RESULTS.labels("failed", error.__name__)
    for operation in sorted(shopify_operations):
        SHOPIFY_COST_POINTS.labels(operation)
        for kind in ("graphql", "http_429"):
            SHOPIFY_THROTTLED.labels(operation, kind)


def _provider_errors(base: type[Exception]) -> list[type[Exception]]:
    found = [base]
    for sub in base.__subclasses__():
        found += _provider_errors(sub)
    return found


_initialise_known_series()
