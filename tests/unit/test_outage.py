"""app/outage.py: which dependency an error means, and waiting an outage out."""

from __future__ import annotations

import logging
import threading

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import IntegrityError, OperationalError

from app.outage import DATABASE, REDIS, Outage, dependency_of


def operational() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("connection refused"))


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (operational(), DATABASE),
        (RedisConnectionError("refused"), REDIS),
        (RedisTimeoutError("timed out"), REDIS),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), None),
        (ValueError("bad input"), None),
    ],
)
def test_dependency_of(error: Exception, dependency: str | None) -> None:
    assert dependency_of(error) == dependency


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Stop(threading.Event):
    """A stop event whose wait() advances the fake clock instead of sleeping."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        self.clock.now += timeout
        return self.is_set()


def test_waits_with_backoff_and_logs_once_per_change(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    failures = iter([RedisConnectionError("refused")] * 6)

    def probe() -> None:
        error = next(failures, None)
        if error is not None:
            raise error

    outage = Outage(REDIS, probe, first_delay=0.5, max_delay=5.0, clock=clock)
    stop = Stop(clock)
    with caplog.at_level(logging.WARNING, logger="app.outage"):
        assert outage.wait(stop) is True
    assert stop.waits == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("redis unavailable (ConnectionError: refused)")
    assert messages[1] == "redis available again after 17.5 s"
    assert not outage.down


def test_a_reported_error_then_a_good_probe_logs_the_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    outage = Outage(DATABASE, lambda: None, clock=clock)
    with caplog.at_level(logging.WARNING, logger="app.outage"):
        outage.report(operational())
        outage.report(operational())  # still the same outage: not logged again
        clock.now += 3
        assert outage.wait(Stop(clock))
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "database unavailable",
        "database available again after 3.0 s",
    ]


def test_a_stop_ends_the_wait() -> None:
    clock = FakeClock()
    stop = Stop(clock)
    stop.set()
    outage = Outage(REDIS, lambda: (_ for _ in ()).throw(RedisConnectionError("x")), clock=clock)
    assert outage.wait(stop) is False


def test_delays_are_validated() -> None:
    with pytest.raises(ValueError, match="delays"):
        Outage(REDIS, lambda: None, first_delay=10, max_delay=5)
