"""A started job counts as alive only while its heartbeat is current (issue 14: a SIGKILLed
worker's `push-{shop}` blocked that shop's pushes until RQ's maintenance ran, up to 10 min)."""

from __future__ import annotations

import logging
import time

import pytest
from flask import Flask
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from app.broker import current_broker
from app.jobs.liveness import HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_TTL_SECONDS, job_alive
from app.jobs.worker import AppWorker
from tests.integration.jobs.sample_jobs import record_context


def start(job: Job, ttl: int) -> Execution:
    """Put `job` where a worker puts it when it takes it: started, with an execution whose
    heartbeat expires in `ttl` seconds (as rq 2.12's `prepare_execution` does)."""
    redis = current_broker().redis
    current_broker().queue(job.origin).remove(job)
    with redis.pipeline() as pipeline:
        job.set_status(JobStatus.STARTED, pipeline=pipeline)
        execution = Execution.create(job, ttl, pipeline=pipeline, worker_name="w-killed")
        pipeline.execute()
    return execution


def expire_heartbeat(job: Job, execution: Execution, seconds_ago: int = 1) -> None:
    registry = StartedJobRegistry(job.origin, connection=current_broker().redis)
    current_broker().redis.zadd(
        registry.key, {execution.composite_key: int(time.time()) - seconds_ago}
    )


def test_a_started_job_with_a_current_heartbeat_is_not_enqueued_twice(app: Flask) -> None:
    first = record_context.enqueue("live")
    start(first, ttl=HEARTBEAT_TTL_SECONDS)
    second = record_context.enqueue("live")
    assert second.id == first.id
    assert second.get_status() == JobStatus.STARTED
    assert current_broker().queue("default").count == 0


def test_a_started_job_whose_heartbeat_expired_is_lost_and_enqueued_again(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    first = record_context.enqueue("dead")
    execution = start(first, ttl=HEARTBEAT_TTL_SECONDS)
    expire_heartbeat(first, execution)
    with caplog.at_level(logging.WARNING, logger="app.jobs.liveness"):
        again = record_context.enqueue("dead")
    assert again.get_status() == JobStatus.QUEUED
    assert current_broker().queue("default").get_job_ids() == ["sample-dead"]
    registry = StartedJobRegistry("default", connection=current_broker().redis)
    # The stale execution is gone, so RQ's own clean-up cannot fail the new run later.
    assert registry.get_job_ids(cleanup=False) == []
    registry.cleanup()
    assert Job.fetch("sample-dead", connection=current_broker().redis).get_status() == (
        JobStatus.QUEUED
    )
    assert "heartbeat expired" in caplog.text
    assert "sample-dead" in caplog.text


def test_a_lost_job_whose_execution_record_expired_is_enqueued_again(app: Flask) -> None:
    # The execution's own hash expires with the heartbeat; the job's list of executions
    # outlives it by a minute (rq 2.12): forgetting the job must not need the hash.
    first = record_context.enqueue("expired")
    execution = start(first, ttl=HEARTBEAT_TTL_SECONDS)
    expire_heartbeat(first, execution)
    current_broker().redis.delete(execution.key)
    again = record_context.enqueue("expired")
    assert again.get_status() == JobStatus.QUEUED
    assert current_broker().queue("default").get_job_ids() == ["sample-expired"]


def test_finished_and_failed_jobs_are_not_alive(app: Flask) -> None:
    redis = current_broker().redis
    job = record_context.enqueue("done")
    job.set_status(JobStatus.FINISHED)
    assert not job_alive(redis, "default", "sample-done")
    assert not job_alive(redis, "default", "sample-never")


def test_the_worker_renews_heartbeats_often_and_briefly(app: Flask) -> None:
    broker = current_broker()
    worker = AppWorker([broker.queue("default")], connection=broker.redis, app=app)
    job = record_context.enqueue("ttl")
    assert worker.job_monitoring_interval == HEARTBEAT_INTERVAL_SECONDS
    # RQ's default would be interval + 60 = 90 s before a dead job is seen as lost.
    assert worker.get_heartbeat_ttl(job) == HEARTBEAT_TTL_SECONDS <= 20
