"""Shopify's leaky bucket of cost points, one per shop (one app per simulator)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime

# A real standard-plan shop answers maximumAvailable 2000 with restoreRate 100: the bucket
# holds twenty seconds of restore, on every plan.
BUCKET_SECONDS = 20


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float

    def __post_init__(self) -> None:
        if not 0 <= self.currently_available <= self.maximum_available:
            raise ValueError(f"currently_available {self.currently_available} out of range")

    def to_json(self) -> dict[str, float | int]:
        return {
            "maximumAvailable": float(self.maximum_available),
            "currentlyAvailable": math.floor(self.currently_available),
            "restoreRate": float(self.restore_rate),
        }


class CostBucket:
    """Points refill continuously at `restore_rate` per second up to the bucket size."""

    def __init__(self, restore_rate: float, now: datetime) -> None:
        if restore_rate <= 0:
            raise ValueError(f"restore_rate must be positive, got {restore_rate}")
        self.restore_rate = float(restore_rate)
        self.maximum = self.restore_rate * BUCKET_SECONDS
        self._available = self.maximum
        self._at = now
        self._lock = threading.Lock()

    def _refill(self, now: datetime) -> None:
        elapsed = (now - self._at).total_seconds()
        if elapsed > 0:
            self._available = min(self.maximum, self._available + elapsed * self.restore_rate)
            self._at = now

    def status(self, now: datetime) -> ThrottleStatus:
        with self._lock:
            self._refill(now)
            return ThrottleStatus(self.maximum, self._available, self.restore_rate)

    def try_spend(self, cost: float, now: datetime) -> bool:
        """Take `cost` points if the bucket holds them; otherwise take nothing."""
        with self._lock:
            self._refill(now)
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: float, now: datetime) -> None:
        with self._lock:
            self._refill(now)
            self._available = min(self.maximum, self._available + max(points, 0))


class Buckets:
    """One bucket per shop, rebuilt when the shop's restore rate changes."""

    def __init__(self) -> None:
        self._buckets: dict[str, CostBucket] = {}
        self._lock = threading.Lock()

    def for_shop(self, shop: str, restore_rate: float, now: datetime) -> CostBucket:
        with self._lock:
            bucket = self._buckets.get(shop)
            if bucket is None or bucket.restore_rate != restore_rate:
                bucket = CostBucket(restore_rate, now)
                self._buckets[shop] = bucket
            return bucket

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
