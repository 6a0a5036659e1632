"""`flask worker`: an RQ worker that runs every job inside the app's context."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from rq import Worker
from rq.job import Job
from rq.queue import Queue

from app.broker import QUEUE_NAMES, current_broker
from app.extensions import db
from app.observability.logging import bound


class AppWorker(Worker):
    """Forks a work horse per job; the horse drops the connections it inherited."""

    def __init__(self, *args: object, app: Flask, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.app = app

    def perform_job(self, job: Job, queue: Queue) -> bool:
        with self.app.app_context(), bound(job_id=job.id):
            if self._is_horse:
                # A forked child must not share the parent's pooled sockets.
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
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
    AppWorker(selected, connection=broker.redis, app=app).work(burst=burst, with_scheduler=True)
