"""When to poll a product next, and how much of a shop's monthly budget is left. Pure.

Tiers give the base interval (hot 15 min, normal 1 h, cold 6 h). The policy adapts it:
a price that moved recently is watched twice as often, a price that has not moved for a long
time half as often, and a listing that keeps failing (a dead ASIN) backs off exponentially.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, TypeVar

from app.clock import month_of

TIER_INTERVALS: Final[dict[str, timedelta]] = {
    "hot": timedelta(minutes=15),
    "normal": timedelta(hours=1),
    "cold": timedelta(hours=6),
}
#: Never poll one product more often than this, whatever the tier or override says.
MIN_INTERVAL: Final = timedelta(seconds=10)
#: A failing listing is still looked at weekly, in case it comes back.
MAX_BACKOFF: Final = timedelta(days=7)
#: "Recently" and "stable" are measured in base intervals, so they scale with the tier.
RECENT_INTERVALS: Final = 6
STABLE_INTERVALS: Final = 48


@dataclass(frozen=True)
class PollState:
    """What the policy needs to know about one product."""

    tier: str
    override_seconds: int | None = None
    price_changed_at: datetime | None = None
    tracked_since: datetime | None = None
    failures: int = 0

    def __post_init__(self) -> None:
        if self.tier not in TIER_INTERVALS:
            raise ValueError(f"unknown polling tier {self.tier!r}; tiers: {list(TIER_INTERVALS)}")
        if self.override_seconds is not None and self.override_seconds <= 0:
            raise ValueError(f"override_seconds must be positive, got {self.override_seconds}")
        if self.failures < 0:
            raise ValueError(f"failures must not be negative, got {self.failures}")
        for name in ("price_changed_at", "tracked_since"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware, got {moment!r}")

    @property
    def base_interval(self) -> timedelta:
        if self.override_seconds is not None:
            return timedelta(seconds=self.override_seconds)
        return TIER_INTERVALS[self.tier]


def next_interval(state: PollState, now: datetime) -> timedelta:
    """How long to wait before polling this product again."""
    base = state.base_interval
    if state.failures > 0:
        # Cap the exponent before multiplying: 2**failures grows without bound.
        backoff: timedelta = base * (2 ** min(state.failures, 20))
        return max(base, min(backoff, MAX_BACKOFF))
    floor = min(base, MIN_INTERVAL) if state.override_seconds is not None else MIN_INTERVAL
    last_move = state.price_changed_at
    if last_move is not None and now - last_move <= base * RECENT_INTERVALS:
        return max(base / 2, floor)
    quiet_since = last_move or state.tracked_since
    if quiet_since is not None and now - quiet_since >= base * STABLE_INTERVALS:
        return base * 2
    return max(base, floor)


def next_poll_at(state: PollState, now: datetime) -> datetime:
    return now + next_interval(state, now)


def next_month_start(now: datetime) -> datetime:
    """The moment the next budget month begins (UTC midnight on its first day)."""
    first = month_of(now)
    year, month = (first.year + 1, 1) if first.month == 12 else (first.year, first.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Usage:
    """A shop's use of its monthly budget of provider results."""

    month: date
    used: int
    budget: int

    def __post_init__(self) -> None:
        if self.month.day != 1:
            raise ValueError(f"a budget month is named by its first day, got {self.month}")
        if self.used < 0 or self.budget < 0:
            raise ValueError(f"used {self.used} and budget {self.budget} must not be negative")

    @property
    def remaining(self) -> int:
        return max(0, self.budget - self.used)

    def spend(self, results: int) -> Usage:
        """The usage after spending `results`; refuses to go over the budget."""
        if results < 0:
            raise ValueError(f"cannot spend a negative number of results: {results}")
        if results > self.remaining:
            raise ValueError(f"spending {results} would exceed the budget ({self.remaining} left)")
        return Usage(self.month, self.used + results, self.budget)

    def refund(self, results: int) -> Usage:
        if results < 0:
            raise ValueError(f"cannot refund a negative number of results: {results}")
        return Usage(self.month, max(0, self.used - results), self.budget)


def current_usage(counted_month: date | None, counted: int, budget: int, now: datetime) -> Usage:
    """The usage for `now`'s month: the stored counter, or zero when a new month began."""
    month = month_of(now)
    used = counted if counted_month == month else 0
    return Usage(month, max(0, used), budget)


K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def batches(items: Iterable[T], key: Callable[[T], K], size: int) -> list[tuple[K, list[T]]]:
    """Items grouped by `key` (in first-seen order), each group cut into runs of `size`."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    groups: dict[K, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return [
        (group, members[start : start + size])
        for group, members in groups.items()
        for start in range(0, len(members), size)
    ]
