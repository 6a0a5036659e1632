"""Whether a job with a given id is still alive, judged by its heartbeat rather than its status.

RQ marks a job `started` when a worker takes it and keeps an entry for that execution in the
queue's `StartedJobRegistry` (`rq:wip:{queue}`), scored with the time its heartbeat expires. The
worker renews the score every `job_monitoring_interval` seconds while the work horse runs. When
the worker and its horse are killed (SIGKILL, OOM, a lost host), the status stays `started`
until RQ's registry maintenance runs, up to ten minutes later. A guard that believed the status
would refuse to enqueue the work again for that long. Here a `started` job counts as alive only
while one of its executions' heartbeat scores lies in the future (rq 2.12, `rq/registry.py`
`StartedJobRegistry.add_execution`, `rq/executions.py` `Execution.heartbeat`).

`app.jobs.worker.AppWorker` renews heartbeats every `HEARTBEAT_INTERVAL_SECONDS` with a TTL of
`HEARTBEAT_TTL_SECONDS`, so a dead job is recognised as lost within that TTL.
"""

from __future__ import annotations

import logging
from typing import Final

from redis import Redis
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.registry import StartedJobRegistry
from rq.utils import current_timestamp

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_SECONDS: Final = 5
# Two missed renewals and a margin for a slow Redis round trip.
HEARTBEAT_TTL_SECONDS: Final = 3 * HEARTBEAT_INTERVAL_SECONDS
WAITING_STATUSES: Final = frozenset({JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED})


def live_job(queue: Queue, job_id: str) -> Job | None:
    """The job with this id if it is waiting or running with a current heartbeat, else None.

    A `started` job whose heartbeat expired is lost: its stale registry entries and record are
    removed (so that RQ's later clean-up cannot mark a new run with the same id failed) and a
    warning names it; the caller enqueues the work again.
    """
    job = queue.fetch_job(job_id)
    if job is None:
        return None
    status = job.get_status(refresh=False)
    if status in WAITING_STATUSES:
        return job
    if status != JobStatus.STARTED:
        return None
    if _heartbeat_current(queue.connection, queue.name, job_id):
        return job
    _forget_lost(job, queue)
    return None


def job_alive(redis: Redis, queue_name: str, job_id: str) -> bool:
    """`live_job` for callers that hold only a connection and the queue's name."""
    return live_job(Queue(queue_name, connection=redis), job_id) is not None


def _executions(
    redis: Redis, queue_name: str, job_id: str, low: float | str, high: float | str
) -> list[str]:
    key = StartedJobRegistry(queue_name, connection=redis).key
    entries = redis.zrangebyscore(key, low, high)
    found = []
    for raw in entries:
        entry = raw.decode() if isinstance(raw, bytes) else str(raw)
        if StartedJobRegistry.parse_job_id(entry) == job_id:
            found.append(entry)
    return found


def _heartbeat_current(redis: Redis, queue_name: str, job_id: str) -> bool:
    # Scores are expiry timestamps (or +inf for no TTL); one above now is a live heartbeat.
    return bool(_executions(redis, queue_name, job_id, f"({current_timestamp()}", "+inf"))


def _forget_lost(job: Job, queue: Queue) -> None:
    redis = queue.connection
    stale = _executions(redis, queue.name, job.id, "-inf", current_timestamp())
    with redis.pipeline() as pipeline:
        if stale:
            pipeline.zrem(StartedJobRegistry(queue.name, connection=redis).key, *stale)
        # Not job.delete(): for a started job it fetches each execution, and a dead one's hash
        # has expired while the job's execution registry still names it (ValueError).
        pipeline.delete(
            job.key, job.dependents_key, job.dependencies_key, job.execution_registry.key
        )
        pipeline.execute()
    log.warning(
        "job %s on %s was started but its heartbeat expired (last %s): lost, enqueued again",
        job.id,
        queue.name,
        job.last_heartbeat.isoformat() if job.last_heartbeat else "never",
    )
