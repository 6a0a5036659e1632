"""Properties of ``quote`` over any cost and any valid rules."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.pricing.guard import HoldReason
from app.pricing.rounding import Rounding
from app.pricing.rules import PricingRules, ProductOverrides, quote

D = Decimal

costs = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
precise_costs = st.decimals(min_value=D("0.0001"), max_value=D("100000"), places=4)
percents = st.decimals(min_value=D(0), max_value=D(1000), places=2)
addons = st.decimals(min_value=D(0), max_value=D(1000), places=2)


@st.composite
def pricing_rules(draw: st.DrawFn) -> PricingRules:
    return PricingRules(
        currency="USD",
        markup_percent=draw(percents),
        fixed_addon=draw(addons),
        rounding=draw(st.sampled_from(Rounding)),
        compare_at_from_list_price=draw(st.booleans()),
        min_margin_percent=draw(percents),
        auto_push_tolerance_percent=draw(
            st.none() | st.decimals(min_value=D(0), max_value=D(100), places=2)
        ),
    )


overrides = st.builds(
    ProductOverrides,
    markup_percent=st.none() | percents,
    paused=st.booleans(),
)
list_prices = st.none() | st.decimals(min_value=D("0.01"), max_value=D("200000"), places=2)


@given(cost=precise_costs, rules=pricing_rules(), product=overrides, list_price=list_prices)
def test_a_pushable_quote_keeps_the_margin(
    cost: Decimal, rules: PricingRules, product: ProductOverrides, list_price: Decimal | None
) -> None:
    result = quote(cost, "USD", list_price, rules, product)
    assert result.proposed_price is not None
    if not result.is_held:
        assert result.proposed_price >= cost * (1 + rules.min_margin_percent / 100)
    assert result.proposed_price > 0
    assert result.proposed_price.as_tuple().exponent == -2


@given(cost=precise_costs, rules=pricing_rules(), product=overrides)
def test_rounding_never_lowers_the_marked_up_price(
    cost: Decimal, rules: PricingRules, product: ProductOverrides
) -> None:
    result = quote(cost, "USD", None, rules, product)
    breakdown = result.breakdown
    assert breakdown is not None
    assert result.proposed_price is not None
    exact = cost * (1 + breakdown.markup_percent / 100) + rules.fixed_addon
    assert breakdown.unrounded == exact
    assert exact <= breakdown.before_rounding <= result.proposed_price
    assert result.proposed_price - breakdown.before_rounding < 1


@given(cost=precise_costs, rules=pricing_rules(), data=st.data())
def test_a_markup_at_least_the_minimum_margin_is_never_held(
    cost: Decimal, rules: PricingRules, data: st.DataObject
) -> None:
    room = D(1000) - rules.min_margin_percent
    extra = data.draw(st.decimals(min_value=D(0), max_value=room, places=2))
    product = ProductOverrides(markup_percent=rules.min_margin_percent + extra)
    assert quote(cost, "USD", None, rules, product).held_reason is None


@given(cost=costs, rules=pricing_rules(), product=overrides, list_price=list_prices)
def test_compare_at_is_above_the_price_or_absent(
    cost: Decimal, rules: PricingRules, product: ProductOverrides, list_price: Decimal | None
) -> None:
    result = quote(cost, "USD", list_price, rules, product)
    if result.compare_at_price is None:
        return
    assert rules.compare_at_from_list_price
    assert list_price is not None
    assert result.proposed_price is not None
    assert result.compare_at_price > result.proposed_price
    assert result.compare_at_price == list_price


@given(cost=costs, rules=pricing_rules(), product=overrides)
def test_held_reason_is_consistent(
    cost: Decimal, rules: PricingRules, product: ProductOverrides
) -> None:
    result = quote(cost, "USD", None, rules, product)
    assert result.breakdown is not None
    assert result.proposed_price is not None
    below = result.proposed_price < result.breakdown.margin_floor
    if product.paused:
        assert result.held_reason is HoldReason.PRODUCT_PAUSED
    elif below:
        assert result.held_reason is HoldReason.BELOW_MARGIN_FLOOR
    else:
        assert result.held_reason is None


@given(
    cost=costs,
    rules=pricing_rules(),
    currency=st.sampled_from(["EUR", "GBP", "JPY", "CAD"]),
)
def test_any_other_currency_is_held_without_a_price(
    cost: Decimal, rules: PricingRules, currency: str
) -> None:
    result = quote(cost, currency, None, rules)
    assert result.held_reason is HoldReason.CURRENCY_MISMATCH
    assert result.proposed_price is None
    assert result.compare_at_price is None
