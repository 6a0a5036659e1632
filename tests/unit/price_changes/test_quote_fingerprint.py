"""The quote fingerprint: the same Amazon price, currency and rules give the same one (a
rejected quote is recognised when it comes back); anything the price depends on changes it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from app.models import Observation
from app.price_changes.quote import quote_fingerprint
from app.pricing.rounding import Rounding
from app.pricing.rules import PricingRules, ProductOverrides, quote

RULES = PricingRules(currency="USD", markup_percent=Decimal("30"))


def _fingerprint(
    price: str = "100.00",
    currency: str = "USD",
    rules: PricingRules = RULES,
    overrides: ProductOverrides | None = None,
    list_price: str | None = None,
) -> str:
    overrides = overrides or ProductOverrides()
    listed = None if list_price is None else Decimal(list_price)
    seen: Any = SimpleNamespace(price=Decimal(price), currency=currency, list_price=listed)
    result = quote(Decimal(price), currency, listed, rules, overrides)
    return quote_fingerprint(cast(Observation, seen), rules, overrides, result)


def test_the_same_quote_has_the_same_fingerprint() -> None:
    assert _fingerprint() == _fingerprint()
    assert len(_fingerprint()) == 64
    # 30, 30.0 and 30.00 are one markup (settings may store it with two decimals).
    assert _fingerprint(rules=replace(RULES, markup_percent=Decimal("30.00"))) == _fingerprint()


def test_anything_the_price_depends_on_changes_it() -> None:
    base = _fingerprint()
    others = {
        _fingerprint(price="100.01"),
        _fingerprint(currency="CAD"),
        _fingerprint(list_price="150.00"),
        _fingerprint(rules=replace(RULES, markup_percent=Decimal("40"))),
        _fingerprint(rules=replace(RULES, rounding=Rounding("99"))),
        _fingerprint(rules=replace(RULES, auto_push_tolerance_percent=Decimal("5"))),
        _fingerprint(overrides=ProductOverrides(markup_percent=Decimal("10"))),
        _fingerprint(overrides=ProductOverrides(paused=True)),
    }
    assert base not in others
    assert len(others) == 8
