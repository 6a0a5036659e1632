from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ingest.policy import (
    MAX_BACKOFF,
    MIN_INTERVAL,
    TIER_INTERVALS,
    PollState,
    Usage,
    batches,
    current_usage,
    month_of,
    next_interval,
    next_month_start,
    next_poll_at,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tier", "expected"),
    [("hot", timedelta(minutes=15)), ("normal", timedelta(hours=1)), ("cold", timedelta(hours=6))],
)
def test_a_new_product_polls_at_its_tier(tier: str, expected: timedelta) -> None:
    assert next_interval(PollState(tier, tracked_since=NOW), NOW) == expected
    assert next_poll_at(PollState(tier), NOW) == NOW + expected


def test_a_price_that_moved_recently_is_polled_twice_as_often() -> None:
    moved = PollState("normal", price_changed_at=NOW - timedelta(hours=2))
    assert next_interval(moved, NOW) == timedelta(minutes=30)


def test_a_move_long_ago_no_longer_counts_as_recent() -> None:
    moved = PollState("normal", price_changed_at=NOW - timedelta(hours=7))
    assert next_interval(moved, NOW) == timedelta(hours=1)


def test_a_stable_price_is_polled_half_as_often() -> None:
    stable = PollState("normal", price_changed_at=NOW - timedelta(days=3))
    assert next_interval(stable, NOW) == timedelta(hours=2)
    never_moved = PollState("hot", tracked_since=NOW - timedelta(hours=12))
    assert next_interval(never_moved, NOW) == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(1, timedelta(hours=2)), (2, timedelta(hours=4)), (3, timedelta(hours=8))],
)
def test_a_failing_listing_backs_off_exponentially(failures: int, expected: timedelta) -> None:
    state = PollState("normal", failures=failures, price_changed_at=NOW)
    assert next_interval(state, NOW) == expected


def test_backoff_is_capped_at_a_week_even_after_absurd_failure_counts() -> None:
    assert next_interval(PollState("cold", failures=10_000), NOW) == MAX_BACKOFF


def test_an_override_replaces_the_tier_interval() -> None:
    assert next_interval(PollState("cold", override_seconds=30), NOW) == timedelta(seconds=30)
    moved = PollState("cold", override_seconds=30, price_changed_at=NOW)
    assert next_interval(moved, NOW) == timedelta(seconds=15)


def test_a_recent_move_never_polls_faster_than_the_floor() -> None:
    moved = PollState("hot", override_seconds=12, price_changed_at=NOW)
    assert next_interval(moved, NOW) == MIN_INTERVAL


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tier": "lukewarm"}, "unknown polling tier 'lukewarm'"),
        ({"override_seconds": 0}, "override_seconds must be positive"),
        ({"failures": -1}, "failures must not be negative"),
        ({"price_changed_at": datetime(2026, 1, 1)}, "price_changed_at must be timezone-aware"),  # noqa: DTZ001
    ],
)
def test_poll_state_names_the_bad_value(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"tier": "normal", **fields}
    with pytest.raises(ValueError, match=message):
        PollState(**values)  # type: ignore[arg-type]


@given(
    tier=st.sampled_from(sorted(TIER_INTERVALS)),
    failures=st.integers(min_value=0, max_value=10**6),
    moved_ago=st.none() | st.integers(min_value=0, max_value=10**8),
    override=st.none() | st.integers(min_value=1, max_value=10**7),
)
def test_the_next_poll_is_always_in_the_future_and_within_bounds(
    tier: str, failures: int, moved_ago: int | None, override: int | None
) -> None:
    moved = None if moved_ago is None else NOW - timedelta(seconds=moved_ago)
    state = PollState(tier, override, moved, None, failures)
    interval = next_interval(state, NOW)
    assert interval > timedelta(0)
    assert interval <= max(state.base_interval * 2, MAX_BACKOFF)


def test_budget_months_roll_over_at_utc_midnight_and_new_year() -> None:
    assert month_of(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == date(2026, 12, 1)
    assert next_month_start(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )
    assert next_month_start(NOW) == datetime(2026, 12, 1, tzinfo=UTC)


def test_usage_resets_when_a_new_month_begins() -> None:
    assert current_usage(date(2026, 11, 1), 70, 100, NOW) == Usage(date(2026, 11, 1), 70, 100)
    assert current_usage(date(2026, 10, 1), 70, 100, NOW) == Usage(date(2026, 11, 1), 0, 100)
    assert current_usage(None, 5, 100, NOW).used == 0


def test_usage_never_spends_past_the_budget() -> None:
    usage = Usage(date(2026, 11, 1), 98, 100)
    assert usage.remaining == 2
    assert usage.spend(2).remaining == 0
    with pytest.raises(ValueError, match="would exceed the budget"):
        usage.spend(3)
    assert usage.refund(200).used == 0
    assert Usage(date(2026, 11, 1), 150, 100).remaining == 0


def test_usage_refuses_a_month_that_is_not_a_first_day() -> None:
    with pytest.raises(ValueError, match="first day"):
        Usage(date(2026, 11, 2), 0, 1)


def test_batches_group_by_key_and_cut_at_the_size() -> None:
    items = [("com", 1), ("de", 2), ("com", 3), ("com", 4), ("com", 5)]
    grouped = batches(items, key=lambda item: item[0], size=2)
    assert grouped == [
        ("com", [("com", 1), ("com", 3)]),
        ("com", [("com", 4), ("com", 5)]),
        ("de", [("de", 2)]),
    ]
    with pytest.raises(ValueError, match="batch size"):
        batches(items, key=lambda item: item[0], size=0)


@given(st.lists(st.sampled_from(["com", "de", "co.uk"]), max_size=60), st.integers(1, 7))
def test_batches_keep_every_item_once_and_respect_the_size(keys: list[str], size: int) -> None:
    items = list(enumerate(keys))
    grouped = batches(items, key=lambda item: item[1], size=size)
    flat = [item for _, members in grouped for item in members]
    assert sorted(flat) == items
    assert all(0 < len(members) <= size for _, members in grouped)
    assert all(item[1] == key for key, members in grouped for item in members)
