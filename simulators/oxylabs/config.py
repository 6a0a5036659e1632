"""Settings and clock of the Oxylabs simulator."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

AMAZON_IMAGE_ORIGIN = "https://m.media-amazon.com"
# Request-level faults. A status: the request is refused before anything is done (Oxylabs
# bills none of these: 429, its own 5xx and 6xx). "malformed" and "timeout": the request is
# done as usual (a realtime result or a submitted batch is billed), then the answer is lost on
# the way: its body cut short, or held past the client's read timeout (`stall_seconds`).
STATUS_FAULTS = ("429", "500", "502", "503", "524", "612", "613")
ANSWER_FAULTS = ("malformed", "timeout")
REQUEST_FAULTS = (*STATUS_FAULTS, *ANSWER_FAULTS)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to, so tests can make prices move without sleeping."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError(f"ManualClock needs an aware datetime, got {start!r}")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError(f"ManualClock needs an aware datetime, got {moment!r}")
        with self._lock:
            self._now = moment

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class SimulatorConfig:
    """Every knob of the simulator; `POST /_sim/config` replaces the value at runtime."""

    username: str = "sim-user"
    password: str = "sim-pass"
    seed: int = 0
    price_period_seconds: float = 3600.0
    job_latency_seconds: float = 0.0
    realtime_latency_seconds: float = 0.0
    # How long a push-pull request (submit, job status, results) takes to be answered; a
    # submitted batch exists from the moment it was received, answered or not.
    push_pull_latency_seconds: float = 0.0
    dead_asins: frozenset[str] = frozenset()
    fault_rates: Mapping[str, float] = field(default_factory=dict)
    faulted_job_rate: float = 0.0
    fault_seed: int = 0
    rate_limit_per_second: int = 50
    retry_after_seconds: float | None = None
    #: How long a "timeout" fault holds the answer back (longer than the client waits).
    stall_seconds: float = 5.0
    #: Where the catalogue's product images live: Amazon's CDN, or the simulator's own URL
    #: (it serves them under /images/I/...) so that pages showing them work offline.
    image_origin: str = AMAZON_IMAGE_ORIGIN

    def __post_init__(self) -> None:
        if not self.username or not self.password:
            raise ValueError("SimulatorConfig needs a non-empty username and password")
        if self.price_period_seconds <= 0:
            raise ValueError(f"price_period_seconds must be > 0, got {self.price_period_seconds}")
        for name in (
            "job_latency_seconds",
            "realtime_latency_seconds",
            "push_pull_latency_seconds",
            "stall_seconds",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        unknown = set(self.fault_rates) - set(REQUEST_FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {REQUEST_FAULTS}")
        rates = [*self.fault_rates.values(), self.faulted_job_rate]
        if any(not 0.0 <= rate <= 1.0 for rate in rates) or sum(self.fault_rates.values()) > 1.0:
            raise ValueError(f"fault rates must be within [0, 1] and sum to <= 1, got {rates}")
        parts = urlsplit(self.image_origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise ValueError(
                f"image_origin must be scheme://host[:port], got {self.image_origin!r}"
            )
        if self.rate_limit_per_second < 1:
            raise ValueError(f"rate_limit_per_second must be >= 1: {self.rate_limit_per_second}")
        if self.retry_after_seconds is not None and self.retry_after_seconds < 0:
            raise ValueError(f"retry_after_seconds must be >= 0, got {self.retry_after_seconds}")
