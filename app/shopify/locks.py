"""A per-shop Redis lock: refresh tokens rotate, so only one process may use one at a time.

SET NX PX with a random token to take it; a compare-and-delete script to release it, so a
holder whose lock expired never deletes the lock someone else took since.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

from redis import Redis

# Longer than the slowest token call: shopifyapp retries 5xx twice with a 10 s timeout each.
LOCK_TTL_MS: Final = 60_000
WAIT_SECONDS: Final = 20.0
POLL_SECONDS: Final = 0.05
_RELEASE: Final = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end"
)


class LockTimeout(TimeoutError):
    """Another process held the shop's token lock for longer than we would wait."""


def lock_key(shop_domain: str) -> str:
    return f"pricebridge:shopify:token-lock:{shop_domain}"


@contextmanager
def shop_token_lock(
    redis: Redis,
    shop_domain: str,
    *,
    ttl_ms: int = LOCK_TTL_MS,
    wait_seconds: float = WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the shop's token lock for the block; wait for it up to `wait_seconds`."""
    key, token = lock_key(shop_domain), uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    while not redis.set(key, token, nx=True, px=ttl_ms):
        if time.monotonic() >= deadline:
            raise LockTimeout(f"{shop_domain}: token lock still held after {wait_seconds:.0f}s")
        sleep(POLL_SECONDS)
    try:
        yield
    finally:
        redis.eval(_RELEASE, 1, key, token)
