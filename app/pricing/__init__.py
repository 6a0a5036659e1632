"""The pricing formula: pure functions over Decimal, no I/O.

`rules` (markup, fixed add-on, margin floor, compare-at), `rounding`, `guard` (hold reasons,
tolerance) and `preview`. What a price change does with a quote lives in `app.price_changes`;
the Shopify write in `app.push`.
"""

from __future__ import annotations

from app.pricing.guard import HoldReason, margin_floor, within_tolerance
from app.pricing.preview import PreviewInput, PreviewRow, preview
from app.pricing.rounding import Rounding, apply_rounding
from app.pricing.rules import (
    PriceBreakdown,
    PricingRules,
    ProductOverrides,
    Quote,
    may_auto_push,
    quote,
)

__all__ = [
    "HoldReason",
    "PreviewInput",
    "PreviewRow",
    "PriceBreakdown",
    "PricingRules",
    "ProductOverrides",
    "Quote",
    "Rounding",
    "apply_rounding",
    "margin_floor",
    "may_auto_push",
    "preview",
    "quote",
    "within_tolerance",
]
