"""A shop's polling settings: how often its products are checked on Amazon (the polling tier)
and how many Oxylabs results it may spend a month (the budget), read and changed.

The shop's tier is the tier of every product linked without one of its own. Changing it moves
the products that were on the shop's tier along with it (a product given another tier keeps
its own); a faster tier brings their next poll forward to at most one new interval away. The
budget is a whole number of results (0 stops polling for the month); null goes back to the
app's default (``OXYLABS_MONTHLY_BUDGET``). Values are refused with
``app.price_changes.settings.InvalidSetting`` naming the field, as the pricing rules are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import case, update

from app.extensions import current_settings, db
from app.ingest.budget import budget_of
from app.ingest.policy import TIER_INTERVALS
from app.models import Product, Shop
from app.models.shop import POLLING_TIERS
from app.price_changes.settings import InvalidSetting, as_typed

FIELDS: Final = ("polling_tier", "oxylabs_monthly_budget")
#: The most results a month a shop may set (the column is a 32-bit integer; this is far more
#: than any Oxylabs plan sells).
MAX_MONTHLY_BUDGET: Final = 100_000_000


@dataclass(frozen=True)
class CadencePatch:
    """What a settings body asks for; ``None`` fields are left as they are, and
    ``reset_budget`` goes back to the app's default budget."""

    polling_tier: str | None = None
    monthly_budget: int | None = None
    reset_budget: bool = False

    @property
    def empty(self) -> bool:
        return self.polling_tier is None and self.monthly_budget is None and not self.reset_budget


def cadence_json(shop: Shop) -> dict[str, Any]:
    """``polling_tier`` (hot, normal, cold); ``oxylabs_monthly_budget``, the results a month
    in force (the shop's own or the default); ``oxylabs_monthly_budget_default``, the default;
    ``oxylabs_monthly_budget_is_default``, whether the shop has none of its own."""
    return {
        "polling_tier": shop.polling_tier,
        "oxylabs_monthly_budget": budget_of(shop),
        "oxylabs_monthly_budget_default": current_settings().oxylabs_monthly_budget,
        "oxylabs_monthly_budget_is_default": shop.oxylabs_monthly_budget is None,
    }


def parse_cadence(body: Mapping[str, Any]) -> CadencePatch:
    """The polling settings of a settings body (other fields are not looked at); raises
    InvalidSetting for a tier that does not exist or a budget that is not a whole number
    from 0 to ``MAX_MONTHLY_BUDGET``."""
    tier: str | None = None
    if "polling_tier" in body:
        raw = body["polling_tier"]
        if raw not in POLLING_TIERS:
            allowed = ", ".join(POLLING_TIERS)
            raise InvalidSetting("polling_tier", f"must be one of {allowed}, got {as_typed(raw)}")
        tier = raw
    if "oxylabs_monthly_budget" not in body:
        return CadencePatch(polling_tier=tier)
    raw = body["oxylabs_monthly_budget"]
    if raw is None:
        return CadencePatch(polling_tier=tier, reset_budget=True)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # JSON Schema's integer: 300.0 is 300
    if isinstance(raw, bool) or not isinstance(raw, int):
        problem = f"must be a whole number of results, got {as_typed(raw)}"
        raise InvalidSetting("oxylabs_monthly_budget", problem)
    if not 0 <= raw <= MAX_MONTHLY_BUDGET:
        problem = f"must be between 0 and {MAX_MONTHLY_BUDGET}, got {as_typed(raw)}"
        raise InvalidSetting("oxylabs_monthly_budget", problem)
    return CadencePatch(polling_tier=tier, monthly_budget=raw)


def apply_cadence(shop: Shop, patch: CadencePatch, now: datetime) -> None:
    """Store the patch on the shop (and re-tier the products that follow the shop's tier) in
    the caller's transaction; commits nothing."""
    if patch.reset_budget:
        shop.oxylabs_monthly_budget = None
    elif patch.monthly_budget is not None:
        shop.oxylabs_monthly_budget = patch.monthly_budget
    tier = patch.polling_tier
    if tier is None or tier == shop.polling_tier:
        return
    soonest = now + TIER_INTERVALS[tier]
    db.session.execute(
        update(Product)
        .where(Product.shop_id == shop.id, Product.polling_tier == shop.polling_tier)
        .values(
            polling_tier=tier,
            next_poll_at=case(
                (Product.next_poll_at > soonest, soonest), else_=Product.next_poll_at
            ),
        )
        .execution_options(synchronize_session=False)
    )
    shop.polling_tier = tier
