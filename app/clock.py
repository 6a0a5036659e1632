"""The one clock: aware UTC now. Code that only needs the time imports this, not the ORM.

Pure functions take `now` as a parameter; services take a `Clock` (default `utcnow`), so
tests pass a fixed one instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def month_of(now: datetime) -> date:
    """The calendar month (UTC) that `now` falls in, as its first day: the budget month."""
    moment = now.astimezone(UTC)
    return date(moment.year, moment.month, 1)
