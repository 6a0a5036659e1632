from __future__ import annotations

import pytest
from flask import Flask
from rq import SimpleWorker
from rq.job import JobStatus

from app.broker import QUEUE_NAMES, current_broker
from app.extensions import db
from app.jobs.decorators import JobSpec
from app.jobs.worker import AppWorker
from app.models import Shop
from tests.integration.jobs.sample_jobs import always_fails, record_context


class InlineAppWorker(SimpleWorker, AppWorker):
    """AppWorker without the fork (SimpleWorker's execute_job comes first in the MRO)."""


def run_queues(app: Flask) -> None:
    broker = current_broker()
    queues = [broker.queue(name) for name in QUEUE_NAMES]
    InlineAppWorker(queues, connection=broker.redis, app=app).work(burst=True)


def test_decorator_sets_queue_id_timeout_and_ttls(app: Flask) -> None:
    job = record_context.enqueue("a")
    assert job.origin == "default"
    assert job.id == "sample-a"
    assert job.timeout == 30
    assert job.failure_ttl == 7 * 24 * 3600
    assert job.retries_left is None
    assert job.description == "record_context"  # never the arguments: RQ logs it


def test_a_job_runs_in_the_app_context_with_its_id_in_the_logs(app: Flask) -> None:
    job = record_context.enqueue("b")
    run_queues(app)
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {
        "key": "b",
        "app": "app",
        "api_version": "2026-10",
        "job_id": "sample-b",
        "event": "tests.integration.jobs.sample_jobs.record_context",
    }


def test_a_live_job_with_the_same_id_is_not_enqueued_twice(app: Flask) -> None:
    first = record_context.enqueue("c")
    second = record_context.enqueue("c")
    assert first.id == second.id
    assert current_broker().queue("default").count == 1


def test_failures_are_retried_then_land_in_the_failed_registry(app: Flask) -> None:
    job = always_fails.enqueue()
    assert job.retries_left == 2
    for _ in range(3):
        run_queues(app)
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    queue = current_broker().queue("push")
    assert job.id in queue.failed_job_registry.get_job_ids()
    assert "upstream said no" in (job.latest_result().exc_string or "")


def test_enqueueing_before_the_commit_is_refused(app: Flask) -> None:
    db.session.add(Shop(domain="pending.myshopify.com"))
    with pytest.raises(RuntimeError, match="commit before enqueueing"):
        record_context.enqueue("d")
    db.session.rollback()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"queue": "urgent"}, "is not one of"),
        ({"queue": "push", "timeout": 0}, "timeout must be positive"),
        ({"queue": "push", "retry_intervals": (-1,)}, "must not be negative"),
        ({"queue": "push", "failure_ttl": 0}, "failure_ttl"),
    ],
)
def test_job_specs_validate(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        JobSpec(**kwargs)  # type: ignore[arg-type]
