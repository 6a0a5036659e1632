"""`flask worker`: an RQ worker that runs every job inside the app's context.

It outlives outages of its dependencies: while Redis or PostgreSQL cannot be reached it waits
with backoff (see `app.outage`), logging once when the outage begins and once when it ends, and
takes jobs again when both answer. It renews each running job's heartbeat every
`HEARTBEAT_INTERVAL_SECONDS`, so that a job whose worker was killed is known to be lost within
`HEARTBEAT_TTL_SECONDS` (see `app.jobs.liveness`).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Worker
from rq.job import Job
from rq.queue import Queue

from app.broker import QUEUE_NAMES, current_broker
from app.extensions import current_settings, db
from app.jobs.liveness import HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_TTL_SECONDS
from app.observability import metrics
from app.observability.exposition import serve_exporter
from app.observability.logging import bound
from app.outage import database_outage, redis_outage

log = logging.getLogger(__name__)

# Between a work loop that ended on an error and the next, so that a persistent bug cannot spin.
RESTART_PAUSE_SECONDS = 1.0


class AppWorker(Worker):
    """Forks a work horse per job; the horse drops the connections it inherited."""

    # RQ's own back-off between failed dequeues, in seconds (its default grows to 60).
    max_connection_wait_time = 5.0

    def __init__(self, *args: Any, app: Flask, **kwargs: Any) -> None:
        kwargs.setdefault("job_monitoring_interval", HEARTBEAT_INTERVAL_SECONDS)
        super().__init__(*args, **kwargs)
        self.app = app
        self.redis_outage = redis_outage(self.connection)
        self.database_outage = database_outage(app)

    def get_heartbeat_ttl(self, job: Job) -> int:
        # RQ adds 60 s to the interval; a lost job would then block its id for 90 s.
        return HEARTBEAT_TTL_SECONDS

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is not None:
            super().heartbeat(timeout, pipeline=pipeline)
            return
        try:
            super().heartbeat(timeout)
        except (RedisConnectionError, RedisTimeoutError) as error:
            self.redis_outage.report(error)
            self.redis_outage.wait()
            super().heartbeat(timeout)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        # Take no job while PostgreSQL is down: it would only fail and spend a retry.
        self.database_outage.wait()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def perform_job(self, job: Job, queue: Queue) -> bool:
        with self.app.app_context(), bound(job_id=job.id, event=job.func_name):
            if self._is_horse:
                # A forked child must not share the parent's pooled sockets.
                db.engine.dispose(close=False)
                metrics.become_work_horse(os.getppid())
            started = time.perf_counter()
            succeeded = False
            try:
                succeeded = bool(super().perform_job(job, queue))
                return succeeded
            finally:
                metrics.job_finished(
                    job.func_name or "unknown", succeeded, time.perf_counter() - started
                )
                db.session.remove()


@click.command("worker")
@click.option(
    "--queues",
    default=",".join(QUEUE_NAMES),
    show_default=True,
    help="Comma-separated queues, highest priority first.",
)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(queues: str, burst: bool) -> None:
    """Run a worker on the push > webhooks > ingest > default queues."""
    broker = current_broker()
    names = [name.strip() for name in queues.split(",") if name.strip()]
    try:
        selected = [broker.queue(name) for name in names]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--queues") from None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    serve_exporter(app, current_settings().metrics_port)
    outage = redis_outage(broker.redis)
    while True:
        outage.wait()
        worker = AppWorker(selected, connection=broker.redis, app=app)
        try:
            worker.work(burst=burst, with_scheduler=True)
        except (RedisConnectionError, RedisTimeoutError) as error:
            # RQ's tear-down could not record the worker's death: Redis went away meanwhile.
            outage.report(error)
        if burst or worker._shutdown_requested_date is not None:
            return
        # RQ's loop ends on any error it does not handle itself (a Redis call outside its
        # dequeue loop, mostly); wait for Redis if it is the cause, then work again.
        log.warning("worker %s stopped on an error; starting a new one", worker.name)
        time.sleep(RESTART_PAUSE_SECONDS)
