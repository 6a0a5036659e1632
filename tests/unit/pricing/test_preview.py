from __future__ import annotations

from decimal import Decimal

from app.pricing.guard import HoldReason
from app.pricing.preview import PreviewInput, preview
from app.pricing.rounding import Rounding
from app.pricing.rules import PricingRules, ProductOverrides

D = Decimal
OLD = PricingRules(currency="USD", markup_percent=D(20))


def test_preview_lists_only_what_changes() -> None:
    items = [
        PreviewInput("a", D("10.00"), "USD", None),
        PreviewInput("b", D("20.00"), "USD", None, ProductOverrides(markup_percent=D(30))),
        PreviewInput("c", None, "USD", None),
        PreviewInput("d", D("5.00"), "GBP", None),
    ]
    new = PricingRules(currency="USD", markup_percent=D(25))
    rows = preview(items, OLD, new)
    # b keeps its own markup, c has no price, d is held for currency either way
    assert [row.key for row in rows] == ["a"]
    (row,) = rows
    assert row.before.proposed_price == D("12.00")
    assert row.after.proposed_price == D("12.50")
    assert row.price_changed
    assert not row.hold_changed
    assert not row.compare_at_changed


def test_preview_shows_new_holds_and_released_ones() -> None:
    items = [
        PreviewInput(1, D("10.00"), "USD", None),
        PreviewInput(2, D("10.00"), "USD", None, ProductOverrides(markup_percent=D(50))),
    ]
    strict = PricingRules(currency="USD", markup_percent=D(20), min_margin_percent=D(40))
    rows = preview(items, OLD, strict)
    assert [row.key for row in rows] == [1]
    assert rows[0].after.held_reason is HoldReason.BELOW_MARGIN_FLOOR
    assert rows[0].hold_changed
    assert not rows[0].price_changed  # same figure, now held

    back = preview(items, strict, OLD)
    assert [row.key for row in back] == [1]
    assert back[0].after.held_reason is None


def test_preview_ignores_a_markup_change_that_rounds_to_the_same_price() -> None:
    items = [PreviewInput("a", D("10.00"), "USD", None)]
    old = PricingRules(currency="USD", markup_percent=D(20), rounding=Rounding.END_99)
    new = PricingRules(currency="USD", markup_percent=D(25), rounding=Rounding.END_99)
    assert preview(items, old, new) == []


def test_preview_compare_at_switch() -> None:
    items = [PreviewInput("a", D("10.00"), "USD", D("19.99"))]
    new = PricingRules(currency="USD", markup_percent=D(20), compare_at_from_list_price=True)
    (row,) = preview(items, OLD, new)
    assert row.compare_at_changed
    assert row.before.compare_at_price is None
    assert row.after.compare_at_price == D("19.99")
    assert not row.price_changed


def test_preview_of_a_product_override_change() -> None:
    items = [
        PreviewInput("a", D("10.00"), "USD", None, new_overrides=ProductOverrides(paused=True)),
        PreviewInput("b", D("10.00"), "USD", None),
    ]
    (row,) = preview(items, OLD, OLD)
    assert row.key == "a"
    assert row.after.held_reason is HoldReason.PRODUCT_PAUSED


def test_preview_of_identical_rules_is_empty() -> None:
    items = [PreviewInput(n, D(n), "USD", D(n * 3)) for n in range(1, 50)]
    assert preview(items, OLD, OLD) == []
