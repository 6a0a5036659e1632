"""One decorator declares every background job: its queue, id, retry, timeout and TTLs.

    @job("push", timeout=120, job_id=lambda change_id: f"push:{change_id}")
    def push_price_change(change_id: int) -> None: ...

    push_price_change.enqueue(change.id)   # after the commit, never before

Jobs are enqueued by function reference, never by a dotted string.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, ParamSpec, TypeVar

from rq import Retry
from rq.job import Job

from app.broker import QUEUE_NAMES, current_broker
from app.extensions import db
from app.jobs.liveness import live_job

P = ParamSpec("P")
R = TypeVar("R")

DAY = 24 * 3600


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int = 300
    retry_intervals: tuple[int, ...] = (10, 60, 300)
    failure_ttl: int = 7 * DAY
    result_ttl: int = 3600

    def __post_init__(self) -> None:
        if self.queue not in QUEUE_NAMES:
            raise ValueError(f"queue {self.queue!r} is not one of {', '.join(QUEUE_NAMES)}")
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")
        if any(interval < 0 for interval in self.retry_intervals):
            raise ValueError(f"retry intervals must not be negative: {self.retry_intervals}")
        if self.failure_ttl <= 0 or self.result_ttl < 0:
            raise ValueError("failure_ttl must be positive and result_ttl not negative")


class Task(Generic[P, R]):
    """A job function that still runs when called directly and knows how to enqueue itself."""

    def __init__(
        self, func: Callable[P, R], spec: JobSpec, job_id: Callable[P, str] | None
    ) -> None:
        self.func = func
        self.spec = spec
        self._job_id = job_id
        self.__name__ = func.__name__
        self.__doc__ = func.__doc__
        self.__module__ = func.__module__
        self.__qualname__ = func.__qualname__

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.func(*args, **kwargs)

    def enqueue(self, *args: P.args, **kwargs: P.kwargs) -> Job:
        if db.session.new or db.session.dirty or db.session.deleted:
            raise RuntimeError(
                f"{self.__qualname__}: commit before enqueueing; a job must see committed rows"
            )
        queue = current_broker().queue(self.spec.queue)
        job_id = self._job_id(*args, **kwargs) if self._job_id else None
        if job_id is not None:
            # A job with this id already waiting, or running with a current heartbeat, makes a
            # second enqueue a no-op; a started job whose heartbeat expired is enqueued again.
            existing = live_job(queue, job_id)
            if existing is not None:
                return existing
        retry = (
            Retry(max=len(self.spec.retry_intervals), interval=list(self.spec.retry_intervals))
            if self.spec.retry_intervals
            else None
        )
        return queue.enqueue_call(
            func=self.func,
            args=args,
            kwargs=kwargs,
            timeout=self.spec.timeout,
            result_ttl=self.spec.result_ttl,
            failure_ttl=self.spec.failure_ttl,
            job_id=job_id,
            retry=retry,
            # Never the arguments: RQ logs the description, and arguments may carry data
            # (a webhook body, a customer id) that has no place in logs.
            description=self.__qualname__,
        )


def job(
    queue: str,
    *,
    timeout: int = 300,
    retry_intervals: tuple[int, ...] = (10, 60, 300),
    failure_ttl: int = 7 * DAY,
    result_ttl: int = 3600,
    job_id: Callable[P, str] | None = None,
) -> Callable[[Callable[P, R]], Task[P, R]]:
    spec = JobSpec(queue, timeout, retry_intervals, failure_ttl, result_ttl)

    def decorate(func: Callable[P, R]) -> Task[P, R]:
        return Task(func, spec, job_id)

    return decorate
