"""Downsampling keeps every price step, and the biggest moves when steps outnumber points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.history.downsample import downsample, steps

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def series(prices: list[str]) -> list[tuple[datetime, Decimal]]:
    return [(T0 + timedelta(hours=n), Decimal(p)) for n, p in enumerate(prices)]


def test_repeats_are_dropped_and_every_step_is_kept() -> None:
    raw = series(["10", "10", "10", "12", "12", "9.99", "9.99", "10"])
    result = downsample(raw, 200)
    assert result.complete
    assert [str(p) for _, p in result.points] == ["10", "12", "9.99", "10"]
    assert [at for at, _ in result.points] == [raw[0][0], raw[3][0], raw[5][0], raw[7][0]]


def test_more_steps_than_points_keeps_the_biggest_moves_and_the_last_price() -> None:
    prices = ["10", "10.01"] * 50 + ["30"] + ["10.02", "10.03"] * 50
    result = downsample(series(prices), 20)
    assert not result.complete
    assert len(result.points) <= 20
    kept = [str(p) for _, p in result.points]
    assert "30" in kept  # the spike survives
    assert kept[-1] == "10.03"  # the price that holds now
    assert [at for at, _ in result.points] == sorted(at for at, _ in result.points)


@given(st.lists(st.integers(min_value=1, max_value=5), max_size=300), st.integers(2, 50))
def test_never_more_than_the_limit_and_lossless_when_it_fits(cents: list[int], limit: int) -> None:
    raw = series([str(c) for c in cents])
    result = downsample(raw, limit)
    assert len(result.points) <= limit
    if result.complete:
        assert result.points == steps(raw)
    assert set(result.points) <= set(raw)


def test_a_limit_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        downsample([], 1)
