"""The scheduler outlives its dependencies' outages and its tasks' failures (issue 14: it
exited on a Redis or PostgreSQL outage and needed a restart by hand)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from app.broker import current_broker
from app.jobs.scheduler import PeriodicTask, Scheduler, SchedulerLock, run_scheduler
from app.outage import DATABASE, REDIS, Outage

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_a_failing_task_does_not_stop_the_others(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken(now: datetime) -> None:
        raise LookupError("the row was deleted under me")

    scheduler = Scheduler(
        SchedulerLock(current_broker().redis),
        [
            PeriodicTask("broken", timedelta(seconds=10), broken),
            PeriodicTask("fine", timedelta(seconds=10), lambda now: ran.append("fine")),
        ],
    )
    with caplog.at_level(logging.ERROR, logger="app.jobs.scheduler"):
        assert scheduler.tick(T0) == ["fine"]
    assert ran == ["fine"]
    assert "periodic task broken failed" in caplog.text
    assert "LookupError" in caplog.text  # with its traceback, not swallowed
    assert "broken" not in scheduler.last_run  # so it runs again at the next tick


class Probe:
    """Answers as the dependency would: down for the next `failures` probes, then up."""

    def __init__(self) -> None:
        self.failures = 0
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise RedisConnectionError("Connection refused")


@pytest.mark.parametrize(
    ("dependency", "error"),
    [
        (REDIS, RedisConnectionError("Connection refused")),
        (DATABASE, OperationalError("SELECT", {}, Exception("server closed the connection"))),
    ],
)
def test_the_loop_waits_out_an_outage_and_ticks_again(
    app: Flask, caplog: pytest.LogCaptureFixture, dependency: str, error: Exception
) -> None:
    stop = threading.Event()
    runs: list[int] = []

    probes = {REDIS: Probe(), DATABASE: Probe()}

    def task(now: datetime) -> None:
        runs.append(1)
        if len(runs) == 1:
            probes[dependency].failures = 2  # down for the next two probes
            raise error  # the dependency went away while the task ran
        if len(runs) == 3:
            stop.set()

    outages = {
        name: Outage(name, probe, first_delay=0.01, max_delay=0.02)
        for name, probe in probes.items()
    }
    scheduler = Scheduler(
        SchedulerLock(current_broker().redis), [PeriodicTask("t", timedelta(microseconds=1), task)]
    )
    with caplog.at_level(logging.WARNING, logger="app.outage"):
        run_scheduler(scheduler, outages, stop, tick_seconds=0.01)
    assert len(runs) == 3
    assert probes[dependency].calls == 1 + 2 + 1 + 1  # first, two failed, one good, third tick
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith(f"{dependency} unavailable")
    assert messages[1].startswith(f"{dependency} available again")


def test_an_unknown_error_outside_the_tasks_still_propagates(app: Flask) -> None:
    class BrokenLock(SchedulerLock):
        def acquire_or_renew(self) -> bool:
            raise RuntimeError("a bug")

    scheduler = Scheduler(BrokenLock(current_broker().redis), [])
    outages = {REDIS: Outage(REDIS, lambda: None)}
    with pytest.raises(RuntimeError, match="a bug"):
        run_scheduler(scheduler, outages, threading.Event(), tick_seconds=0.01)
