"""Outages of PriceBridge's two dependencies, PostgreSQL and Redis.

`dependency_of(error)` says which dependency an exception means is unreachable (None for any
other error): the API answers those with 503 and `Retry-After`, and the worker and scheduler
wait them out. `Outage` does the waiting: it probes with exponential backoff (0.5 s doubling to
at most 5 s), logs one warning when the outage begins and one when it ends, and returns once the
dependency answers again, so a long-lived process resumes by itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final

from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.extensions import db

log = logging.getLogger(__name__)

DATABASE: Final = "database"
REDIS: Final = "redis"
# What a client should wait before trying again, in seconds (the `Retry-After` header).
RETRY_AFTER_SECONDS: Final = 5


def dependency_of(error: BaseException) -> str | None:
    """`"database"` or `"redis"` when `error` means that dependency cannot be reached, else None.

    PostgreSQL: SQLAlchemy's `OperationalError` and `InterfaceError` (a refused or dropped
    connection, an admin shutdown) and any `DBAPIError` that invalidated its connection. Redis:
    redis-py's `ConnectionError` and `TimeoutError`. A constraint violation or a bad query is
    not an outage and returns None.
    """
    if isinstance(error, OperationalError | InterfaceError):
        return DATABASE
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return DATABASE
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return REDIS
    return None


class Outage:
    """Waits until `probe` stops raising, with backoff; logs once per change of state.

    `probe` raises when the dependency is unreachable (a `SELECT 1`, a Redis `PING`). `stop`,
    when set, ends a wait early (a process asked to shut down).
    """

    def __init__(
        self,
        name: str,
        probe: Callable[[], object],
        *,
        first_delay: float = 0.5,
        max_delay: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < first_delay <= max_delay:
            raise ValueError(f"delays must satisfy 0 < first ({first_delay}) <= max ({max_delay})")
        self.name = name
        self.probe = probe
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.clock = clock
        self.down_since: float | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def report(self, error: BaseException) -> None:
        """Record that `error` showed the dependency unreachable; logs only the first report."""
        if self.down_since is None:
            self.down_since = self.clock()
            kind = type(error).__name__
            log.warning("%s unavailable (%s: %s): waiting for it", self.name, kind, error)

    def wait(self, stop: threading.Event | None = None) -> bool:
        """Return once the dependency answers (True), or when `stop` is set first (False)."""
        stop = stop or threading.Event()
        delay = self.first_delay
        while not stop.is_set():
            try:
                self.probe()
            except Exception as error:  # noqa: BLE001 - any probe failure means "still down"
                self.report(error)
                stop.wait(delay)
                delay = min(delay * 2, self.max_delay)
                continue
            self._recovered()
            return True
        return False

    def _recovered(self) -> None:
        if self.down_since is not None:
            waited = self.clock() - self.down_since
            log.warning("%s available again after %.1f s", self.name, waited)
            self.down_since = None


def redis_outage(redis: Redis) -> Outage:
    """An `Outage` of Redis, probed with `PING` on `redis`."""
    return Outage(REDIS, redis.ping)


def database_outage(app: Flask) -> Outage:
    """An `Outage` of PostgreSQL (or SQLite), probed with `SELECT 1` on `app`'s engine."""

    def probe() -> None:
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return Outage(DATABASE, probe)
