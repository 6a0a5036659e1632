"""app/api/query.py: the row-id route converter's bound and the query-string time, each as a
regular expression the OpenAPI document carries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.query import BIGINT_MAX, TIMESTAMP_PATTERN, at_most_regex


@given(limit=st.integers(0, 2**64), number=st.integers(0, 2**65))
def test_at_most_regex_matches_exactly_0_to_limit(limit: int, number: int) -> None:
    pattern = re.compile(at_most_regex(limit))
    assert bool(pattern.fullmatch(str(number))) == (number <= limit)
    assert pattern.fullmatch(str(limit))


def test_the_bigint_edges() -> None:
    pattern = re.compile(at_most_regex(BIGINT_MAX))
    assert pattern.fullmatch("9223372036854775807")
    assert not pattern.fullmatch("9223372036854775808")
    assert not pattern.fullmatch("18446744073709551616")
    assert not pattern.fullmatch("-1")


def _calendar_strings() -> Iterator[str]:
    """Every year-month-day with month 00..13 and day 00..32, over years that cover the leap
    rules (1972, 2000, 2100, 2400) and the pattern's edges (1969/1970, 9999)."""
    years = [1969, 1970, 1971, 1972, 1999, 2000, 2024, 2026, 2100, 2400, 2500, 9996, 9999]
    for year in years:
        for month in range(14):
            for day in range(33):
                yield f"{year:04d}-{month:02d}-{day:02d}"


def _reads(raw: str) -> bool:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return False
    return moment.tzinfo is not None and moment.year >= 1970


def test_the_timestamp_pattern_matches_exactly_the_real_days() -> None:
    pattern = re.compile(TIMESTAMP_PATTERN)
    for day in _calendar_strings():
        raw = f"{day}T12:30:00Z"
        assert bool(pattern.search(raw)) == _reads(raw), raw


@pytest.mark.parametrize(
    ("time", "matches"),
    [
        ("T23:59:59Z", True),
        ("T00:00:00.5+14:00", True),
        ("T00:00:00.123456-23:59", True),
        ("T00:00:00-00:00", True),
        ("T24:00:00Z", False),
        ("T23:60:00Z", False),
        ("T23:59:60Z", False),  # a leap second: datetime cannot hold it
        ("T23:59:59.1234567Z", False),
        ("T23:59:59.Z", False),
        ("T23:59:59+24:00", False),
        ("T23:59:59", False),
        ("t23:59:59Z", False),
        ("T23:59:59z", False),
        (" 23:59:59Z", False),
        ("T\uff123:59:59Z", False),  # a fullwidth digit two
    ],
)
def test_the_timestamp_pattern_on_times_and_offsets(time: str, matches: bool) -> None:
    raw = f"2026-11-29{time}"
    assert bool(re.search(TIMESTAMP_PATTERN, raw)) == matches
    if matches:
        assert _reads(raw)
