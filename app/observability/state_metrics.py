"""Families read from PostgreSQL and Redis when Prometheus scrapes, not counted by events.

Queue depth, the age of each queue's oldest job, failed jobs and live workers come from RQ's
keys in Redis; the outbox backlog (price changes not yet settled) and Oxylabs budgets from
PostgreSQL. A source that does not answer is reported as ``pricebridge_metrics_source_up 0``
(and logged), so one failing dependency never blanks the whole scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from flask import Flask
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from rq import Queue, Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import Integer, and_, func, select
from sqlalchemy import cast as sql_cast

from app.broker import current_broker
from app.clock import month_of, utcnow
from app.extensions import current_settings, db
from app.models import PriceChange, Shop
from app.models.price_change import CHANGE_STATES

log = logging.getLogger(__name__)

# Settled changes are history, not backlog.
BACKLOG_STATES = tuple(state for state in CHANGE_STATES if state not in {"pushed", "superseded"})
NEAR_BUDGET_RATIO = 0.9


class StateCollector:
    """A prometheus_client collector bound to one app (it needs the app's database)."""

    def __init__(self, app: Flask, clock: Callable[[], datetime] = utcnow) -> None:
        self.app = app
        self.clock = clock

    def describe(self) -> Iterable[Metric]:
        return []  # collected live: never run a query at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "pricebridge_metrics_source_up",
            "1 when the source of the live families answered this scrape.",
            labels=["source"],
        )
        with self.app.app_context():
            now = self.clock()
            for source, read in (("redis", self._redis), ("database", self._database)):
                try:
                    families = list(read(now))
                except Exception as error:  # noqa: BLE001 - reported as a metric and logged
                    log.warning("metrics: %s did not answer: %s", source, error)
                    up.add_metric([source], 0)
                    continue
                up.add_metric([source], 1)
                yield from families
        yield up

    def _redis(self, now: datetime) -> Iterator[Metric]:
        broker = current_broker()
        depth = GaugeMetricFamily(
            "pricebridge_queue_jobs", "Jobs waiting in each queue.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "pricebridge_queue_oldest_job_age_seconds",
            "Age of the oldest job still waiting in each queue (0 when empty).",
            labels=["queue"],
        )
        failed = GaugeMetricFamily(
            "pricebridge_queue_failed_jobs",
            "Jobs in each queue's failed registry.",
            labels=["queue"],
        )
        for name, queue in broker.queues.items():
            depth.add_metric([name], queue.count)
            oldest.add_metric([name], _oldest_age(queue, now))
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
        workers = GaugeMetricFamily(
            "pricebridge_workers", "RQ workers registered and heartbeating in Redis."
        )
        workers.add_metric([], Worker.count(connection=broker.redis))
        return iter((depth, oldest, failed, workers))

    def _database(self, now: datetime) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "pricebridge_outbox_changes",
            "Price changes not yet settled (not pushed nor superseded), by state.",
            labels=["state"],
        )
        rows = db.session.execute(
            select(PriceChange.state, func.count())
            .where(PriceChange.state.in_(BACKLOG_STATES))
            .group_by(PriceChange.state)
        ).all()
        counts = {state: count for state, count in rows}
        for state in BACKLOG_STATES:
            backlog.add_metric([state], counts.get(state, 0))
        db.session.rollback()
        return iter((backlog, *self._budgets(now)))

    def _budgets(self, now: datetime) -> tuple[Metric, Metric]:
        default = current_settings().oxylabs_monthly_budget
        budget = func.coalesce(Shop.oxylabs_monthly_budget, default)
        used = sql_cast(Shop.oxylabs_results_used, Integer)
        this_month = and_(
            Shop.uninstalled_at.is_(None),
            Shop.oxylabs_usage_month == month_of(now),
            budget > 0,
        )
        ratio = used * 1.0 / budget
        highest, near = db.session.execute(
            select(
                func.max(ratio),
                func.count().filter(ratio >= NEAR_BUDGET_RATIO),
            ).where(this_month)
        ).one()
        db.session.rollback()
        top = GaugeMetricFamily(
            "pricebridge_oxylabs_budget_used_max_ratio",
            "The largest share of its monthly Oxylabs budget any installed shop has used.",
        )
        top.add_metric([], float(highest or 0.0))
        count = GaugeMetricFamily(
            "pricebridge_oxylabs_budget_near_limit_shops",
            f"Installed shops that used {NEAR_BUDGET_RATIO:.0%} or more of their monthly budget.",
        )
        count.add_metric([], float(near or 0))
        return top, count


def _oldest_age(queue: Queue, now: datetime) -> float:
    for job_id in queue.get_job_ids(0, 0):
        job = queue.fetch_job(job_id)
        if job is not None and job.enqueued_at is not None:
            enqueued = job.enqueued_at
            if enqueued.tzinfo is None:
                enqueued = enqueued.replace(tzinfo=now.tzinfo)
            return max(0.0, (now - enqueued).total_seconds())
    return 0.0
