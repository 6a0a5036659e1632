"""`flask scheduler`: runs periodic tasks while holding a Redis lock, so one copy schedules.

Every copy loops; only the holder of the lock runs tasks. The holder renews the lock each tick;
if it dies, the lock expires and another copy takes over within `LOCK_TTL_SECONDS`.

While Redis or PostgreSQL is unreachable the loop waits with backoff (`app.outage`), logging once
when the outage begins and once when it ends, and ticks again when both answer. A task that
fails for another reason (a bug, a row deleted under it) is logged with its traceback and runs
again at the next tick; the other tasks still run.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext
from redis import Redis

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import current_settings, db
from app.observability import metrics
from app.observability.exposition import serve_exporter
from app.outage import DATABASE, REDIS, Outage, database_outage, dependency_of, redis_outage

log = logging.getLogger(__name__)

LOCK_KEY = "pricebridge:scheduler:lock"
# The app's periodic tasks, set by create_app from `app.periodic`.
TASKS_EXTENSION = "pricebridge.periodic_tasks"
LOCK_TTL_SECONDS = 30
# Renew or release the lock only if we still hold it (compare-and-set on the token).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"  # noqa: E501
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"  # noqa: E501


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: timedelta
    run: Callable[[datetime], object]

    def __post_init__(self) -> None:
        if self.every <= timedelta(0):
            raise ValueError(f"task {self.name!r}: interval must be positive, got {self.every}")


class SchedulerLock:
    def __init__(self, redis: Redis, ttl_seconds: int = LOCK_TTL_SECONDS) -> None:
        self.redis = redis
        self.ttl_ms = ttl_seconds * 1000
        self.token = uuid.uuid4().hex

    def acquire_or_renew(self) -> bool:
        if self.redis.eval(_RENEW, 1, LOCK_KEY, self.token, self.ttl_ms):
            return True
        return bool(self.redis.set(LOCK_KEY, self.token, nx=True, px=self.ttl_ms))

    def release(self) -> None:
        self.redis.eval(_RELEASE, 1, LOCK_KEY, self.token)


@dataclass
class Scheduler:
    lock: SchedulerLock
    tasks: Sequence[PeriodicTask]
    last_run: dict[str, datetime] = field(default_factory=dict)

    def tick(self, now: datetime) -> list[str]:
        """Run the tasks that are due, if this copy holds the lock; return their names."""
        if not self.lock.acquire_or_renew():
            return []
        ran = []
        for task in self.tasks:
            previous = self.last_run.get(task.name)
            if previous is not None and now - previous < task.every:
                continue
            started = time.perf_counter()
            try:
                task.run(now)
            except Exception as error:
                db.session.rollback()
                if dependency_of(error) is not None:
                    raise  # the loop waits for the dependency, then ticks again
                log.exception("periodic task %s failed; it runs again next tick", task.name)
                continue
            metrics.scheduler_task_ran(task.name, time.perf_counter() - started)
            self.last_run[task.name] = now
            ran.append(task.name)
        return ran


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Schedule polling, token refresh and housekeeping (one active copy at a time)."""
    settings = current_settings()
    scheduler = Scheduler(
        SchedulerLock(current_broker().redis), current_app.extensions[TASKS_EXTENSION]
    )
    serve_exporter(current_app._get_current_object(), settings.metrics_port)  # type: ignore[attr-defined]
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("scheduler started with %d task(s)", len(scheduler.tasks))
    outages = {
        REDIS: redis_outage(current_broker().redis),
        DATABASE: database_outage(current_app._get_current_object()),  # type: ignore[attr-defined]
    }
    try:
        run_scheduler(scheduler, outages, stop, settings.scheduler_tick_seconds)
    finally:
        if not outages[REDIS].down:
            scheduler.lock.release()
        log.info("scheduler stopped")


def run_scheduler(
    scheduler: Scheduler, outages: dict[str, Outage], stop: threading.Event, tick_seconds: float
) -> None:
    """Tick every `tick_seconds` until `stop` is set, waiting out dependency outages."""
    while not stop.is_set():
        if not all(outage.wait(stop) for outage in outages.values()):
            return
        try:
            scheduler.tick(utcnow())
        except Exception as error:
            dependency = dependency_of(error)
            if dependency is None:
                raise
            outages[dependency].report(error)
            db.session.remove()
            continue
        stop.wait(tick_seconds)
