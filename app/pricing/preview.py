"""What a rule change would do, before it is applied to every product."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from app.pricing.rules import NO_OVERRIDES, PricingRules, ProductOverrides, Quote, quote


@dataclass(frozen=True, slots=True)
class PreviewInput:
    """One product's latest Amazon figures, as ``quote`` takes them.

    ``key`` is the caller's identifier for the product (its id or variant gid); the preview
    hands it back untouched. ``new_overrides`` previews a change to the product's own
    settings as well (``None``: they stay as they are).
    """

    key: int | str
    cost: Decimal | None
    currency: str | None
    list_price: Decimal | None
    overrides: ProductOverrides = NO_OVERRIDES
    new_overrides: ProductOverrides | None = None
    shipping: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """A product whose quote differs between the old and the new rules."""

    key: int | str
    before: Quote
    after: Quote

    @property
    def price_changed(self) -> bool:
        return self.before.proposed_price != self.after.proposed_price

    @property
    def compare_at_changed(self) -> bool:
        return self.before.compare_at_price != self.after.compare_at_price

    @property
    def hold_changed(self) -> bool:
        return self.before.held_reason != self.after.held_reason


def _differs(before: Quote, after: Quote) -> bool:
    # Only what reaches Shopify or decides whether it may: the breakdown alone does not count
    # (a new markup that rounds to the same price changes nothing for the merchant).
    return (
        before.proposed_price != after.proposed_price
        or before.compare_at_price != after.compare_at_price
        or before.held_reason != after.held_reason
    )


def preview(
    items: Iterable[PreviewInput], old_rules: PricingRules, new_rules: PricingRules
) -> list[PreviewRow]:
    """Quote every item under both rule sets; return the rows that would change, in order."""
    rows: list[PreviewRow] = []
    for item in items:
        before = quote(
            item.cost, item.currency, item.list_price, old_rules, item.overrides, item.shipping
        )
        overrides = item.overrides if item.new_overrides is None else item.new_overrides
        after = quote(
            item.cost, item.currency, item.list_price, new_rules, overrides, item.shipping
        )
        if _differs(before, after):
            rows.append(PreviewRow(item.key, before, after))
    return rows
