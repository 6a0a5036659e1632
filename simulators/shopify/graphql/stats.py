"""What the simulator served, per shop: calls, throttles and points spent over time."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ShopStats:
    calls: int = 0
    throttled: int = 0
    max_cost_exceeded: int = 0
    faults: int = 0
    points: int = 0
    timeline: list[tuple[datetime, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "throttled": self.throttled,
            "max_cost_exceeded": self.max_cost_exceeded,
            "faults": self.faults,
            "points": self.points,
            "timeline": [[at.isoformat(), points] for at, points in self.timeline],
        }


class Stats:
    def __init__(self) -> None:
        self._shops: dict[str, ShopStats] = {}
        self._lock = threading.Lock()

    def _get(self, shop: str) -> ShopStats:
        return self._shops.setdefault(shop, ShopStats())

    def served(self, shop: str, at: datetime, points: int) -> None:
        with self._lock:
            stats = self._get(shop)
            stats.calls += 1
            stats.points += points
            stats.timeline.append((at, points))

    def throttled(self, shop: str) -> None:
        with self._lock:
            stats = self._get(shop)
            stats.calls += 1
            stats.throttled += 1

    def max_cost_exceeded(self, shop: str) -> None:
        with self._lock:
            stats = self._get(shop)
            stats.calls += 1
            stats.max_cost_exceeded += 1

    def fault(self, shop: str) -> None:
        with self._lock:
            stats = self._get(shop)
            stats.calls += 1
            stats.faults += 1

    def to_json(self, shop: str | None = None) -> dict[str, Any]:
        with self._lock:
            if shop is not None:
                return {shop: self._get(shop).to_json()}
            return {name: stats.to_json() for name, stats in sorted(self._shops.items())}

    def clear(self) -> None:
        with self._lock:
            self._shops.clear()
