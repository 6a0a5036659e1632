"""Each shop's monthly budget of provider results: read, reserved before a poll, refunded.

A result is counted when it is asked for, under a row lock on the shop, so two processes
can never spend the same remainder twice. A request the provider refused without producing a
result (nothing billed) is refunded; a result that came back 404 is not (it was billed).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import select

from app.extensions import current_settings, db
from app.ingest.policy import Usage, current_usage
from app.models import Shop
from app.realtime.events import publish_after_commit

log = logging.getLogger(__name__)


def commit_before_asking() -> None:
    """Commit a reservation (or a claim's attempt) that the provider is about to be asked
    for. Its `usage` event is published after the commit; Redis failing then has undone
    nothing, and the request the reservation pays for must still be made, or the result would
    stay counted with nothing billed for it. So the lost event is logged, not raised: the
    next commit of the counter publishes its value (the dashboard keeps only the latest).
    The session's rows may be detached afterwards: callers go on from ids."""
    try:
        db.session.commit()
    except RedisError as error:
        log.warning("usage event not published (the reservation is committed): %s", error)
        db.session.close()  # a failed after-commit hook leaves the session unusable


def budget_of(shop: Shop) -> int:
    return monthly_budget(shop.oxylabs_monthly_budget)


def monthly_budget(own_budget: int | None) -> int:
    """A shop's monthly budget from its own (`Shop.oxylabs_monthly_budget`), else the app's."""
    if own_budget is not None:
        return own_budget
    return current_settings().oxylabs_monthly_budget


def usage_of(shop: Shop, now: datetime) -> Usage:
    return current_usage(
        shop.oxylabs_usage_month,
        shop.oxylabs_results_used or 0,
        budget_of(shop),
        now,
    )


def lock_shops(shop_ids: set[int]) -> dict[int, Shop]:
    """Lock the shops in id order (two lockers never wait on each other in a cycle)."""
    if not shop_ids:
        return {}
    statement = (
        select(Shop)
        .where(Shop.id.in_(sorted(shop_ids)))
        .order_by(Shop.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {shop.id: shop for shop in db.session.scalars(statement)}


def reserve(shop: Shop, wanted: int, now: datetime) -> int:
    """Count up to `wanted` results against a locked shop's budget; how many were granted."""
    usage = usage_of(shop, now)
    granted = min(wanted, usage.remaining)
    _save(shop, usage.spend(granted))
    return granted


def refund(shop: Shop, results: int, now: datetime) -> None:
    """Give back results reserved for requests that produced nothing billable."""
    usage = usage_of(shop, now)
    # A reservation from last month is not refunded into this month's budget.
    if results and shop.oxylabs_usage_month == usage.month:
        _save(shop, usage.refund(results))


def refund_by_id(shop_id: int, results: int, now: datetime) -> None:
    shop = lock_shops({shop_id}).get(shop_id)
    if shop is not None:
        refund(shop, results, now)


def _save(shop: Shop, usage: Usage) -> None:
    """Store the counter; the dashboard hears the new usage once the transaction commits."""
    shop.oxylabs_usage_month = usage.month
    shop.oxylabs_results_used = usage.used
    publish_after_commit(shop.id, "usage", usage_event(usage), latest_only=True)


def usage_event(usage: Usage) -> dict[str, Any]:
    """A `usage` event's data: the month (its first day), results used, budget, remaining."""
    return {
        "month": usage.month.isoformat(),
        "used": usage.used,
        "budget": usage.budget,
        "remaining": usage.remaining,
    }
