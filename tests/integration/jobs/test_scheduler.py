from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from app.broker import current_broker
from app.jobs.scheduler import LOCK_KEY, PeriodicTask, Scheduler, SchedulerLock

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def scheduler_with(log: list[tuple[str, datetime]]) -> Scheduler:
    tasks = [
        PeriodicTask("fast", timedelta(seconds=10), lambda now: log.append(("fast", now))),
        PeriodicTask("slow", timedelta(minutes=5), lambda now: log.append(("slow", now))),
    ]
    return Scheduler(SchedulerLock(current_broker().redis), tasks)


def test_tasks_run_at_their_intervals(app: Flask) -> None:
    log: list[tuple[str, datetime]] = []
    scheduler = scheduler_with(log)
    for seconds in (0, 5, 10, 20, 300):
        scheduler.tick(T0 + timedelta(seconds=seconds))
    assert [name for name, _ in log] == ["fast", "slow", "fast", "fast", "fast", "slow"]


def test_only_one_of_two_schedulers_runs_tasks(app: Flask) -> None:
    log_a: list[tuple[str, datetime]] = []
    log_b: list[tuple[str, datetime]] = []
    a, b = scheduler_with(log_a), scheduler_with(log_b)
    for seconds in range(0, 60, 10):
        now = T0 + timedelta(seconds=seconds)
        a.tick(now)
        b.tick(now)
    assert log_a
    assert log_b == []


def test_another_scheduler_takes_over_when_the_holder_dies(app: Flask) -> None:
    log_a: list[tuple[str, datetime]] = []
    log_b: list[tuple[str, datetime]] = []
    a, b = scheduler_with(log_a), scheduler_with(log_b)
    assert a.tick(T0) == ["fast", "slow"]
    assert b.tick(T0) == []
    redis = current_broker().redis
    assert 0 < redis.pttl(LOCK_KEY) <= 30_000  # the lock expires unless renewed
    redis.delete(LOCK_KEY)  # `a` died and its lock expired
    assert b.tick(T0 + timedelta(seconds=31)) == ["fast", "slow"]
    assert a.tick(T0 + timedelta(seconds=40)) == []  # `a` came back: b holds the lock now


def test_release_only_drops_our_own_lock(app: Flask) -> None:
    redis = current_broker().redis
    mine, theirs = SchedulerLock(redis), SchedulerLock(redis)
    assert mine.acquire_or_renew()
    theirs.release()
    assert redis.get(LOCK_KEY) == mine.token.encode()
    mine.release()
    assert redis.get(LOCK_KEY) is None


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        PeriodicTask("never", timedelta(0), lambda now: None)
