"""Currencies' minor units come from CLDR (Babel), and amounts are shaped to them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision, list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from app.currency import (
    UnknownCurrency,
    decimals,
    format_amount,
    is_currency,
    minor_units,
    round_half_up,
    round_up,
)
from app.ingest.asin import MARKETPLACES

D = Decimal
CURRENCIES = sorted(list_currencies())


@pytest.mark.parametrize(
    ("code", "units"), [("JPY", 0), ("KRW", 0), ("USD", 2), ("EUR", 2), ("BHD", 3), ("CLP", 0)]
)
def test_minor_units_follow_iso_4217(code: str, units: int) -> None:
    assert minor_units(code) == units


def test_every_marketplace_currency_is_known() -> None:
    for currency in MARKETPLACES.values():
        assert minor_units(currency) == get_currency_precision(currency)
    assert decimals("JPY") == 0
    assert decimals("BHD") == 2  # stored amounts keep two decimals at most


@pytest.mark.parametrize("bad", ["usd", "ZZZ", "", "US", None, 5])
def test_an_unknown_code_is_refused(bad: object) -> None:
    assert not is_currency(bad)
    with pytest.raises(UnknownCurrency, match="not an ISO 4217 currency"):
        minor_units(bad)  # type: ignore[arg-type]


def test_amounts_in_whole_yen() -> None:
    assert round_up(D("1237.50"), "JPY") == D(1238)
    assert round_up(D("1237.01"), "JPY") == D(1238)
    assert round_half_up(D("1237.49"), "JPY") == D(1237)
    assert format_amount(D(1238), "JPY") == "1238"
    assert format_amount(D("1238.00"), "JPY") == "1238"  # as NUMERIC(12, 2) gives it back
    assert format_amount(D("38.49"), "CAD") == "38.49"
    assert format_amount(D(12), "USD") == "12.00"


def test_an_amount_finer_than_the_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="more decimals than JPY allows"):
        format_amount(D("1237.50"), "JPY")


amounts = st.decimals(min_value=D("0.0001"), max_value=D("10000000"), places=4)


@settings(max_examples=300, deadline=None)
@given(amounts, st.sampled_from(CURRENCIES))
def test_no_currency_gets_more_decimals_than_its_minor_units(amount: Decimal, code: str) -> None:
    for shaped in (round_up(amount, code), round_half_up(amount, code)):
        exponent = shaped.as_tuple().exponent
        assert isinstance(exponent, int)
        assert -exponent <= minor_units(code)
    assert round_up(amount, code) >= amount
    text = format_amount(round_up(amount, code), code)
    assert len(text.partition(".")[2]) == decimals(code)
