from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.pricing.guard import HoldReason, check_currency_code, hold_message, margin_floor
from app.pricing.guard import within_tolerance as within

D = Decimal


@pytest.mark.parametrize(
    ("current", "proposed", "tolerance", "expected"),
    [
        ("100.00", "105.00", "5", True),  # exactly at the edge, upwards
        ("100.00", "95.00", "5", True),  # exactly at the edge, downwards
        ("100.00", "105.01", "5", False),
        ("100.00", "94.99", "5", False),
        ("100.00", "100.00", "0", True),  # zero tolerance: only "no change"
        ("100.00", "100.01", "0", False),
        ("19.99", "20.49", "2.5", False),  # 2.501%
        ("20.00", "20.50", "2.5", True),
        ("100.00", "100.00", None, False),  # auto push off
        (None, "10.00", "50", False),  # no Shopify price to compare with
        ("0", "10.00", "50", False),  # a zero price cannot anchor a percentage
    ],
)
def test_within_tolerance(
    current: str | None, proposed: str, tolerance: str | None, expected: bool
) -> None:
    assert (
        within(
            None if current is None else D(current),
            D(proposed),
            None if tolerance is None else D(tolerance),
        )
        is expected
    )


money = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)


@given(current=money, proposed=money, tolerance=st.decimals(min_value=0, max_value=100, places=2))
def test_within_tolerance_matches_the_percentage(
    current: Decimal, proposed: Decimal, tolerance: Decimal
) -> None:
    percent = abs(proposed - current) / current * 100
    assert within(current, proposed, tolerance) is (percent <= tolerance)


@pytest.mark.parametrize(
    ("cost", "margin", "floor"),
    [
        ("10.00", "0", "10.00"),
        ("10.00", "10", "11.00"),
        ("9.99", "15", "11.49"),  # 11.4885 rounds up: 11.48 would miss the margin
        ("10.01", "15", "11.52"),  # 11.5115
        ("0.01", "10", "0.02"),
    ],
)
def test_margin_floor_is_the_lowest_cent_price_that_keeps_the_margin(
    cost: str, margin: str, floor: str
) -> None:
    assert margin_floor(D(cost), D(margin), "USD") == D(floor)


@given(cost=st.decimals(min_value=D("0.0001"), max_value=D("100000"), places=4), margin=money)
def test_margin_floor_is_tight(cost: Decimal, margin: Decimal) -> None:
    exact = cost * (1 + margin / 100)
    floor = margin_floor(cost, margin, "USD")
    assert floor >= exact
    assert floor - D("0.01") < exact


@pytest.mark.parametrize("code", ["USD", "EUR", "GBP", "JPY"])
def test_currency_codes_accepted(code: str) -> None:
    assert check_currency_code(code, field="currency") == code


@pytest.mark.parametrize("code", ["usd", "US", "USDD", "", " USD", "US1"])
def test_currency_codes_refused(code: str) -> None:
    with pytest.raises(ValueError, match="shop_currency"):
        check_currency_code(code, field="shop_currency")


@pytest.mark.parametrize("reason", list(HoldReason))
def test_every_hold_reason_has_a_message(reason: HoldReason) -> None:
    message = hold_message(
        reason, amazon_currency="GBP", shop_currency="USD", price=D("9.99"), floor=D("11.00")
    )
    assert message.endswith(".")
    assert len(message) > 20
