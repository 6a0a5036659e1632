"""Pricing in the currency's minor units and from the landed cost (issue 13, kinds 5 and 8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from app.currency import minor_units
from app.pricing.guard import HoldReason
from app.pricing.rounding import Rounding, RoundingUnsupported, apply_rounding
from app.pricing.rules import CostBasis, PricingRules, quote

D = Decimal


def test_a_yen_listing_is_priced_in_whole_yen_never_lowered() -> None:
    rules = PricingRules(currency="JPY", markup_percent=D("12.5"))
    result = quote(D(1100), "JPY", None, rules)
    assert result.proposed_price == D(1238)
    assert str(result.proposed_price) == "1238"
    assert result.breakdown is not None
    assert result.breakdown.unrounded == D("1237.500")


def test_whole_rounding_in_yen() -> None:
    rules = PricingRules(currency="JPY", markup_percent=D("12.5"), rounding=Rounding.WHOLE)
    assert quote(D(1100), "JPY", None, rules).proposed_price == D(1238)


@pytest.mark.parametrize("mode", [Rounding.END_99, Rounding.END_95])
def test_charm_endings_are_refused_for_a_currency_without_cents(mode: Rounding) -> None:
    with pytest.raises(RoundingUnsupported, match="JPY has none"):
        apply_rounding(D("1237.5"), mode, "JPY")
    result = quote(D(1100), "JPY", None, PricingRules(currency="JPY", rounding=mode))
    assert result.held_reason is HoldReason.ROUNDING_UNSUPPORTED
    assert result.proposed_price is None
    assert result.held_message is not None
    assert "JPY, which has no cents" in result.held_message


def test_the_yen_margin_floor_is_whole_yen() -> None:
    rules = PricingRules(currency="JPY", min_margin_percent=D("5"))
    result = quote(D(1101), "JPY", None, rules)
    assert result.breakdown is not None
    assert result.breakdown.margin_floor == D(1157)  # 1156.05 rounded up
    assert result.held_reason is HoldReason.BELOW_MARGIN_FLOOR


def test_a_fixed_addon_finer_than_the_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 0 decimals in JPY"):
        PricingRules(currency="JPY", fixed_addon=D("0.50"))


def test_an_unknown_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        PricingRules(currency="ZZZ")


CA_RULES = PricingRules(currency="CAD", markup_percent=D(10), min_margin_percent=D(5))


def test_the_landed_cost_is_priced_by_default() -> None:
    """amazon.ca 34.99 + 9.99 shipping, markup 10 %, minimum margin 5 %."""
    result = quote(D("34.99"), "CAD", None, CA_RULES, shipping=D("9.99"))
    assert result.breakdown is not None
    assert result.breakdown.landed_cost == D("44.98")
    assert result.breakdown.margin_floor == D("47.23")
    assert result.proposed_price == D("49.48")
    assert result.held_reason is None


def test_pricing_from_the_item_alone_still_holds_below_the_landed_floor() -> None:
    rules = PricingRules(
        currency="CAD",
        markup_percent=D(10),
        min_margin_percent=D(5),
        cost_basis=CostBasis.ITEM_PRICE,
    )
    result = quote(D("34.99"), "CAD", None, rules, shipping=D("9.99"))
    assert result.proposed_price == D("38.49")
    assert result.held_reason is HoldReason.BELOW_MARGIN_FLOOR
    assert result.breakdown is not None
    assert result.breakdown.margin_floor == D("47.23")


def test_free_shipping_is_the_item_price() -> None:
    free = quote(D("34.99"), "CAD", None, CA_RULES, shipping=D(0))
    unknown = quote(D("34.99"), "CAD", None, CA_RULES)
    assert free.proposed_price == unknown.proposed_price == D("38.49")


def test_negative_shipping_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="shipping"):
        quote(D("34.99"), "CAD", None, CA_RULES, shipping=D("-1"))


CURRENCIES = sorted(list_currencies())
costs = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
percents = st.decimals(min_value=D(0), max_value=D(300), places=2)


@settings(max_examples=300, deadline=None)
@given(
    costs,
    st.one_of(st.just(D(0)), costs),
    percents,
    percents,
    st.sampled_from(CURRENCIES),
    st.sampled_from(Rounding),
    st.sampled_from(CostBasis),
)
def test_no_quote_has_more_decimals_than_its_currency_and_none_is_lowered(
    cost: Decimal,
    shipping: Decimal,
    markup: Decimal,
    margin: Decimal,
    currency: str,
    rounding: Rounding,
    basis: CostBasis,
) -> None:
    rules = PricingRules(
        currency=currency,
        markup_percent=markup,
        min_margin_percent=margin,
        rounding=rounding,
        cost_basis=basis,
    )
    result = quote(cost, currency, None, rules, shipping=shipping)
    if result.held_reason is HoldReason.ROUNDING_UNSUPPORTED:
        assert minor_units(currency) == 0
        return
    assert result.proposed_price is not None
    assert result.breakdown is not None
    for amount in (result.proposed_price, result.breakdown.margin_floor):
        exponent = amount.as_tuple().exponent
        assert isinstance(exponent, int)
        assert -exponent <= minor_units(currency)
    assert result.proposed_price >= result.breakdown.unrounded  # rounding never lowers
    if result.held_reason is None:
        assert result.proposed_price >= (cost + shipping) * (1 + margin / 100)
