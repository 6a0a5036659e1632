from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest

from app.pricing.guard import HoldReason
from app.pricing.rounding import Rounding
from app.pricing.rules import NO_OVERRIDES, PricingRules, ProductOverrides, may_auto_push, quote

D = Decimal


def rules(**changes: object) -> PricingRules:
    fields: dict[str, object] = {"currency": "USD", "markup_percent": D(20)}
    fields.update(changes)
    return PricingRules(**fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    name: str
    cost: str | None
    rules: PricingRules
    expected_price: str | None
    held: HoldReason | None = None
    currency: str | None = "USD"
    list_price: str | None = None
    overrides: ProductOverrides = NO_OVERRIDES
    expected_compare_at: str | None = None


CASES = [
    Case("store markup", "10.00", rules(), "12.00"),
    Case("zero markup", "10.00", rules(markup_percent=D(0)), "10.00"),
    Case("fractional markup rounds up to the cent", "10.01", rules(markup_percent=D(15)), "11.52"),
    Case("add-on after markup", "10.00", rules(fixed_addon=D("2.50")), "14.50"),
    Case(
        "product override beats store markup",
        "10.00",
        rules(),
        "15.00",
        overrides=ProductOverrides(markup_percent=D(50)),
    ),
    Case(
        "override of zero is an override",
        "10.00",
        rules(),
        "10.00",
        overrides=ProductOverrides(markup_percent=D(0)),
    ),
    Case("rounding .99 up", "10.25", rules(rounding=Rounding.END_99), "12.99"),
    Case("rounding .99 keeps .99", "10.825", rules(rounding=Rounding.END_99), "12.99"),
    Case(
        "rounding .99 at a whole number goes up",
        "10.00",
        rules(markup_percent=D(30), rounding=Rounding.END_99),
        "13.99",
    ),
    Case("rounding .95", "10.25", rules(rounding=Rounding.END_95), "12.95"),
    Case("rounding whole", "10.01", rules(rounding=Rounding.WHOLE), "13.00"),
    Case("one cent cost, .99", "0.01", rules(rounding=Rounding.END_99), "0.99"),
    Case("one cent cost, none", "0.01", rules(), "0.02"),
    Case(
        "floor exactly met",
        "10.00",
        rules(markup_percent=D(10), min_margin_percent=D(10)),
        "11.00",
    ),
    Case(
        "one cent under the floor",
        "10.00",
        rules(markup_percent=D(10), min_margin_percent=D("10.1")),
        "11.00",
        held=HoldReason.BELOW_MARGIN_FLOOR,
    ),
    Case(
        "markup equal to the floor never holds on a fractional cent",
        "10.01",
        rules(markup_percent=D(15), min_margin_percent=D(15)),
        "11.52",
    ),
    Case(
        "rounding lifts a price over the floor",
        "10.00",
        rules(markup_percent=D(10), min_margin_percent=D(15), rounding=Rounding.END_99),
        "11.99",
    ),
    Case(
        "add-on lifts a price over the floor",
        "10.00",
        rules(markup_percent=D(0), min_margin_percent=D(10), fixed_addon=D(1)),
        "11.00",
    ),
    Case(
        "override below the floor is held",
        "10.00",
        rules(min_margin_percent=D(10)),
        "10.50",
        overrides=ProductOverrides(markup_percent=D(5)),
        held=HoldReason.BELOW_MARGIN_FLOOR,
    ),
    Case(
        "compare-at from a higher list price",
        "10.00",
        rules(compare_at_from_list_price=True),
        "12.00",
        list_price="19.99",
        expected_compare_at="19.99",
    ),
    Case(
        "compare-at rounded half up to cents",
        "10.00",
        rules(compare_at_from_list_price=True),
        "12.00",
        list_price="19.995",
        expected_compare_at="20.00",
    ),
    Case(
        "compare-at off",
        "10.00",
        rules(),
        "12.00",
        list_price="19.99",
    ),
    Case(
        "compare-at equal to the price is dropped",
        "10.00",
        rules(compare_at_from_list_price=True),
        "12.00",
        list_price="12.00",
    ),
    Case(
        "compare-at below the price is dropped",
        "10.00",
        rules(compare_at_from_list_price=True),
        "12.00",
        list_price="11.00",
    ),
    Case(
        "compare-at without a list price",
        "10.00",
        rules(compare_at_from_list_price=True),
        "12.00",
    ),
    Case("no Amazon price", None, rules(), None, held=HoldReason.NO_COST),
    Case("no currency", "10.00", rules(), None, held=HoldReason.UNKNOWN_CURRENCY, currency=None),
    Case(
        "currency mismatch",
        "10.00",
        rules(),
        None,
        held=HoldReason.CURRENCY_MISMATCH,
        currency="GBP",
    ),
    Case(
        "shop in EUR, Amazon in EUR",
        "10.00",
        rules(currency="EUR"),
        "12.00",
        currency="EUR",
    ),
    Case(
        "paused product keeps its figures but is held",
        "10.00",
        rules(),
        "12.00",
        overrides=ProductOverrides(paused=True),
        held=HoldReason.PRODUCT_PAUSED,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_quote_cases(case: Case) -> None:
    result = quote(
        None if case.cost is None else D(case.cost),
        case.currency,
        None if case.list_price is None else D(case.list_price),
        case.rules,
        case.overrides,
    )
    expected = None if case.expected_price is None else D(case.expected_price)
    assert result.proposed_price == expected
    if expected is not None:
        assert str(result.proposed_price) == case.expected_price
    compare_at = None if case.expected_compare_at is None else D(case.expected_compare_at)
    assert result.compare_at_price == compare_at
    assert result.held_reason == case.held
    assert result.is_held == (case.held is not None)
    assert (result.held_message is None) == (case.held is None)


def test_breakdown_explains_the_price() -> None:
    result = quote(
        D("10.01"),
        "USD",
        None,
        rules(fixed_addon=D("1.00"), rounding=Rounding.END_99, min_margin_percent=D(5)),
        ProductOverrides(markup_percent=D(15)),
    )
    assert result.proposed_price == D("12.99")
    breakdown = result.breakdown
    assert breakdown is not None
    assert breakdown.cost == D("10.01")
    assert breakdown.markup_percent == D(15)
    assert breakdown.markup_from_product is True
    assert breakdown.fixed_addon == D("1.00")
    assert breakdown.unrounded == D("12.5115")
    assert breakdown.before_rounding == D("12.52")
    assert breakdown.rounding is Rounding.END_99
    assert breakdown.margin_floor == D("10.52")  # 10.5105 rounded up to the cent


def test_store_markup_is_marked_as_such() -> None:
    breakdown = quote(D(10), "USD", None, rules()).breakdown
    assert breakdown is not None
    assert breakdown.markup_from_product is False


def test_held_messages_name_the_problem() -> None:
    mismatch = quote(D(10), "GBP", None, rules())
    assert mismatch.held_message is not None
    assert "GBP" in mismatch.held_message
    assert "USD" in mismatch.held_message
    floor = quote(D(10), "USD", None, rules(min_margin_percent=D(50)))
    assert floor.held_message is not None
    assert "12.00 USD" in floor.held_message
    assert "15.00 USD" in floor.held_message


@pytest.mark.parametrize("bad", ["0", "-1", "-0.01", "NaN", "Infinity", "1E+13"])
def test_quote_refuses_a_bad_cost(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(D(bad)))):
        quote(D(bad), "USD", None, rules())


@pytest.mark.parametrize("bad", ["0", "-1"])
def test_quote_refuses_a_bad_list_price(bad: str) -> None:
    with pytest.raises(ValueError, match="list_price"):
        quote(D(10), "USD", D(bad), rules())


def test_quote_refuses_a_float_cost() -> None:
    with pytest.raises(TypeError, match=r"cost must be a Decimal, got 10\.5"):
        quote(10.5, "USD", None, rules())  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["usd", "US", "USDX", "", "U$D"])
def test_quote_refuses_a_malformed_currency(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        quote(D(10), bad, None, rules())


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("currency", "usd", ValueError),
        ("currency", "EURO", ValueError),
        ("markup_percent", D(-1), ValueError),
        ("markup_percent", D("1000.01"), ValueError),
        ("markup_percent", D("NaN"), ValueError),
        ("markup_percent", 20, TypeError),
        ("markup_percent", 20.0, TypeError),
        ("fixed_addon", D("-0.01"), ValueError),
        ("fixed_addon", D("0.005"), ValueError),
        ("rounding", "99", TypeError),
        ("compare_at_from_list_price", 1, TypeError),
        ("min_margin_percent", D(-5), ValueError),
        ("auto_push_tolerance_percent", D(-1), ValueError),
        ("auto_push_tolerance_percent", D(101), ValueError),
    ],
)
def test_rules_validate_every_field(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=field):
        rules(**{field: value})


def test_rules_defaults_keep_auto_push_off() -> None:
    default = PricingRules(currency="USD")
    assert default.auto_push_tolerance_percent is None
    assert default.rounding is Rounding.NONE
    assert default.markup_percent == 0
    assert default.compare_at_from_list_price is False


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("markup_percent", D(-1), ValueError),
        ("markup_percent", D(1001), ValueError),
        ("markup_percent", 5, TypeError),
        ("paused", "yes", TypeError),
    ],
)
def test_overrides_validate(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=field):
        ProductOverrides(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "tolerance", "held", "expected"),
    [
        ("11.50", "5", False, True),  # 12.00 is 4.3% above 11.50
        ("11.00", "5", False, False),  # 9.1% above
        ("11.50", None, False, False),  # auto push off
        (None, "5", False, False),  # no Shopify price known
        ("12.00", "5", True, False),  # held quotes never auto push
    ],
)
def test_may_auto_push(
    current: str | None, tolerance: str | None, held: bool, expected: bool
) -> None:
    shop_rules = rules(
        auto_push_tolerance_percent=None if tolerance is None else D(tolerance),
        min_margin_percent=D(50) if held else D(0),
    )
    result = quote(D(10), "USD", None, shop_rules)
    assert result.is_held is held
    assert may_auto_push(result, None if current is None else D(current), shop_rules) is expected


def test_may_auto_push_refuses_a_quote_without_a_price() -> None:
    shop_rules = rules(auto_push_tolerance_percent=D(100))
    assert may_auto_push(quote(None, "USD", None, shop_rules), D(10), shop_rules) is False
