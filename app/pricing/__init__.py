"""Pricing core: pure functions over Decimal, no I/O (the service lives elsewhere)."""

from __future__ import annotations

from app.pricing.guard import HoldReason, margin_floor, within_tolerance
from app.pricing.idempotency import idempotency_key
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
from app.pricing.state import (
    AUTO_ACTOR,
    ChangeRef,
    ChangeState,
    InvalidTransition,
    Supersession,
    TransitionRecord,
    choose_superseded,
    is_pushable,
    is_stale,
    is_terminal,
    record_transition,
    transition,
)

__all__ = [
    "AUTO_ACTOR",
    "ChangeRef",
    "ChangeState",
    "HoldReason",
    "InvalidTransition",
    "PreviewInput",
    "PreviewRow",
    "PriceBreakdown",
    "PricingRules",
    "ProductOverrides",
    "Quote",
    "Rounding",
    "Supersession",
    "TransitionRecord",
    "apply_rounding",
    "choose_superseded",
    "idempotency_key",
    "is_pushable",
    "is_stale",
    "is_terminal",
    "margin_floor",
    "may_auto_push",
    "preview",
    "quote",
    "record_transition",
    "transition",
    "within_tolerance",
]
