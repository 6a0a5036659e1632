"""Mutable state of one simulator process: jobs, counters, fault plan. Guarded by one lock."""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from simulators.oxylabs.catalogue import Catalogue
from simulators.oxylabs.config import REQUEST_FAULTS, Clock, SimulatorConfig
from simulators.oxylabs.jobs import Job, QuerySpec, job_id


class SimulatorState:
    def __init__(self, config: SimulatorConfig, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._sequence = 0
        self._by_status: Counter[int] = Counter()
        self._requests = 0
        self._billed = 0
        self._jobs_submitted = 0
        self._next_faults: deque[str] = deque()
        self._next_faulted_jobs = 0
        self._window: tuple[int, int] = (0, 0)
        self._config: SimulatorConfig = config
        self._catalogue = _catalogue(config)
        self._rng = random.Random(config.fault_seed)

    @property
    def config(self) -> SimulatorConfig:
        return self._config

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    def update(self, changes: dict[str, Any]) -> SimulatorConfig:
        """Apply a partial runtime change; `next_faults` and `next_faulted_jobs` queue one-offs."""
        changes = dict(changes)
        next_faults = changes.pop("next_faults", [])
        next_faulted = changes.pop("next_faulted_jobs", 0)
        unknown = [kind for kind in next_faults if kind not in REQUEST_FAULTS]
        if unknown or not isinstance(next_faulted, int) or next_faulted < 0:
            raise ValueError(f"bad one-off faults {next_faults!r} / {next_faulted!r}")
        if "dead_asins" in changes:
            changes["dead_asins"] = frozenset(changes["dead_asins"])
        with self._lock:
            new = replace(self._config, **changes)
            if new.fault_seed != self._config.fault_seed:
                self._rng = random.Random(new.fault_seed)
            self._config = new
            self._catalogue = _catalogue(new)
            self._next_faults.extend(next_faults)
            self._next_faulted_jobs += next_faulted
            return new

    def record_request(self) -> None:
        with self._lock:
            self._requests += 1

    def record_status(self, status: int) -> None:
        with self._lock:
            self._by_status[status] += 1

    def bill(self, results: int = 1) -> None:
        with self._lock:
            self._billed += results

    def next_request_fault(self) -> str | None:
        """A queued fault first; otherwise one seeded draw against the configured rates."""
        with self._lock:
            if self._next_faults:
                return self._next_faults.popleft()
            rates = self._config.fault_rates
            if not rates:
                return None
            roll = self._rng.random()
            for kind in REQUEST_FAULTS:
                roll -= rates.get(kind, 0.0)
                if roll < 0:
                    return kind
            return None

    def _job_faults(self) -> bool:
        if self._next_faulted_jobs:
            self._next_faulted_jobs -= 1
            return True
        rate = self._config.faulted_job_rate
        return rate > 0 and self._rng.random() < rate

    def create_jobs(self, asins: list[str], spec: QuerySpec, store: bool) -> list[Job]:
        now = self.clock.now()
        with self._lock:
            latency = timedelta(seconds=self._config.job_latency_seconds)
            jobs = []
            for asin in asins:
                self._sequence += 1
                job = Job(
                    id=job_id(self._config.seed, self._sequence),
                    asin=asin,
                    spec=spec,
                    created_at=now,
                    done_at=now + latency if store else now,
                    dead=self._catalogue.is_dead(asin),
                    faulted=self._job_faults(),
                )
                jobs.append(job)
                if store:
                    self._jobs[job.id] = job
            self._jobs_submitted += len(jobs)
            # Oxylabs bills each result it produces, a dead page's 404 included, not faults.
            self._billed += sum(1 for job in jobs if not job.faulted)
            return jobs

    def job(self, identifier: str) -> Job | None:
        with self._lock:
            return self._jobs.get(identifier)

    def rate_limit_remaining(self, now: datetime, jobs: int) -> int:
        """Jobs still allowed in the current one-second window, after counting `jobs` more."""
        second = int(now.timestamp())
        with self._lock:
            start, used = self._window
            used = used + jobs if start == second else jobs
            self._window = (second, used)
            return max(0, self._config.rate_limit_per_second - used)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._requests,
                "results_billed": self._billed,
                "jobs_submitted": self._jobs_submitted,
                "by_status": {str(code): count for code, count in sorted(self._by_status.items())},
                "pending_next_faults": list(self._next_faults),
                "pending_faulted_jobs": self._next_faulted_jobs,
            }


def _catalogue(config: SimulatorConfig) -> Catalogue:
    return Catalogue(
        config.seed, config.price_period_seconds, config.dead_asins, config.image_origin
    )
