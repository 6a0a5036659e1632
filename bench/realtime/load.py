"""An open-loop HTTP load generator: requests go out on a fixed schedule whatever the answers
do, and each latency is timed from its scheduled send (so queueing is counted, not hidden)."""

from __future__ import annotations

import queue
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests


@dataclass(frozen=True)
class LoadResult:
    offered: float
    sent: int
    ok: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    served_per_s: float

    def line(self) -> str:
        return (
            f"offered {self.offered:.0f}/s, served {self.served_per_s:.1f}/s, "
            f"{self.ok} ok / {self.errors} errors: p50 {self.p50_ms:.1f} ms, "
            f"p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, max {self.max_ms:.1f} ms"
        )


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def open_loop(
    url: str, headers: Callable[[], dict[str, str]], rate: float, seconds: float, threads: int = 64
) -> LoadResult:
    schedule: queue.Queue[float | None] = queue.Queue()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        while (at := schedule.get()) is not None:
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                response = session.get(url, headers=headers(), timeout=60)
                good = response.status_code == 200
            except requests.RequestException:
                good = False
            done = time.monotonic()
            with lock:
                if good:
                    latencies.append(done - at)
                else:
                    errors[0] += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start = time.monotonic() + 0.5
    count = int(rate * seconds)
    for i in range(count):
        schedule.put(start + i / rate)
    for _ in pool:
        schedule.put(None)
    for thread in pool:
        thread.join()
    wall = time.monotonic() - start
    ms = [v * 1000 for v in latencies]
    return LoadResult(
        offered=rate,
        sent=count,
        ok=len(ms),
        errors=errors[0],
        p50_ms=statistics.median(ms) if ms else float("nan"),
        p95_ms=_percentile(ms, 0.95),
        p99_ms=_percentile(ms, 0.99),
        max_ms=max(ms) if ms else float("nan"),
        served_per_s=len(ms) / wall,
    )


def closed_loop(
    url: str, headers: Callable[[], dict[str, str]], concurrency: int, seconds: float
) -> float:
    """Most requests/s: `concurrency` clients each sending as soon as the last answer came."""
    done = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            if session.get(url, headers=headers(), timeout=60).status_code == 200:
                with lock:
                    done[0] += 1

    started = time.monotonic()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return done[0] / (time.monotonic() - started)
