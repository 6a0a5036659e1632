"""What the benchmarks share: a Redis they may empty without touching anyone else's data."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def bench_redis(url: str | None) -> Iterator[str]:
    """`url` when given (BENCH_REDIS_URL); else a private redis-server on a free port.

    Benchmarks flush their Redis; a database on the shared server may be one a test session
    has claimed, so by default they get a server of their own, stopped afterwards.
    """
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("no redis-server on PATH: install it or set BENCH_REDIS_URL")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    private = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                Redis.from_url(private).ping()
                break
            except RedisConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield private
    finally:
        process.terminate()
        process.wait(timeout=10)
