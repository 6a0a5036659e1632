from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.currency import round_half_up, round_up
from app.pricing.rounding import Rounding, apply_rounding

D = Decimal


@pytest.mark.parametrize(
    ("price", "mode", "expected"),
    [
        # none: whole cents, rounded up so a markup is never shaved
        ("12.30", Rounding.NONE, "12.30"),
        ("12.951", Rounding.NONE, "12.96"),
        ("12.9500", Rounding.NONE, "12.95"),
        ("0.01", Rounding.NONE, "0.01"),
        ("0.001", Rounding.NONE, "0.01"),
        ("12", Rounding.NONE, "12.00"),
        # .99: the smallest N.99 not below the price
        ("12.30", Rounding.END_99, "12.99"),
        ("12.99", Rounding.END_99, "12.99"),
        ("12.989", Rounding.END_99, "12.99"),
        ("12.991", Rounding.END_99, "13.99"),
        ("13.00", Rounding.END_99, "13.99"),
        ("12.951", Rounding.END_99, "12.99"),
        ("0.01", Rounding.END_99, "0.99"),
        # .95: same idea with .95
        ("12.30", Rounding.END_95, "12.95"),
        ("12.95", Rounding.END_95, "12.95"),
        ("12.951", Rounding.END_95, "13.95"),
        ("12.96", Rounding.END_95, "13.95"),
        ("12.99", Rounding.END_95, "13.95"),
        ("13.00", Rounding.END_95, "13.95"),
        ("0.01", Rounding.END_95, "0.95"),
        # whole: the ceiling
        ("12.00", Rounding.WHOLE, "12.00"),
        ("12.01", Rounding.WHOLE, "13.00"),
        ("12.001", Rounding.WHOLE, "13.00"),
        ("12.99", Rounding.WHOLE, "13.00"),
        ("0.01", Rounding.WHOLE, "1.00"),
    ],
)
def test_apply_rounding(price: str, mode: Rounding, expected: str) -> None:
    result = apply_rounding(D(price), mode, "USD")
    assert result == D(expected)
    assert str(result) == expected  # always two decimal places


@pytest.mark.parametrize("bad", ["0", "-1", "-0.01", "NaN", "Infinity"])
def test_apply_rounding_refuses_non_positive_or_non_finite(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(D(bad)))):
        apply_rounding(D(bad), Rounding.NONE, "USD")


def test_rounding_values_are_the_stored_names() -> None:
    assert [mode.value for mode in Rounding] == ["none", "99", "95", "whole"]
    assert Rounding("99") is Rounding.END_99


def test_cents_helpers() -> None:
    assert round_up(D("1.001"), "USD") == D("1.01")
    assert round_up(D("1.00"), "USD") == D("1.00")
    assert round_half_up(D("1.005"), "USD") == D("1.01")
    assert round_half_up(D("1.004"), "USD") == D("1.00")


prices = st.decimals(min_value=D("0.0001"), max_value=D("1000000"), places=4)


@given(price=prices, mode=st.sampled_from(Rounding))
def test_rounding_never_lowers_and_moves_less_than_one_unit(price: Decimal, mode: Rounding) -> None:
    result = apply_rounding(price, mode, "USD")
    assert result >= price
    assert result - price < 1
    assert result.as_tuple().exponent == -2


@given(price=prices, mode=st.sampled_from([Rounding.END_99, Rounding.END_95]))
def test_charm_rounding_ends_with_its_ending(price: Decimal, mode: Rounding) -> None:
    assert str(apply_rounding(price, mode, "USD")).endswith(f".{mode.value}")


@given(price=prices, mode=st.sampled_from(Rounding))
def test_rounding_is_idempotent(price: Decimal, mode: Rounding) -> None:
    once = apply_rounding(price, mode, "USD")
    assert apply_rounding(once, mode, "USD") == once
