"""A shop's install lifecycle: what uninstalling and (re)installing do to its rows.

Both the app/uninstalled webhook and Shopify refusing a shop's token uninstall it; a token
exchange or code grant for an uninstalled shop reinstalls it. Either way the same rows change,
so the rules live here once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update, update

from app.extensions import db
from app.models import Product, Shop
from app.realtime.closing import close_after_commit

# Products paused by an uninstall carry this reason, so a reinstall resumes exactly them.
UNINSTALLED_REASON = "uninstalled"


def affected_rows(statement: Update | Delete) -> int:
    """Run a bulk UPDATE or DELETE and return how many rows it touched."""
    return int(cast(CursorResult[Any], db.session.execute(statement)).rowcount)


def clear_tokens(shop: Shop) -> None:
    shop.access_token = shop.refresh_token = None
    shop.access_token_expires_at = shop.refresh_token_expires_at = None


def mark_uninstalled(shop: Shop, at: datetime) -> int:
    """Drop the tokens, record the time, pause the active products; returns how many."""
    clear_tokens(shop)
    close_after_commit(shop.id)  # its open dashboards lose access with the commit
    if shop.uninstalled_at is None:
        shop.uninstalled_at = at
    return affected_rows(
        update(Product)
        .where(Product.shop_id == shop.id, Product.status == "active")
        .values(status="paused", status_reason=UNINSTALLED_REASON, updated_at=at)
    )


def mark_installed(shop: Shop, at: datetime) -> int:
    """Record a (re)install; resume the products an uninstall paused; returns how many."""
    shop.installed_at, shop.uninstalled_at = at, None
    if shop.id is None:
        return 0
    return affected_rows(
        update(Product)
        .where(
            Product.shop_id == shop.id,
            Product.status == "paused",
            Product.status_reason == UNINSTALLED_REASON,
        )
        .values(status="active", status_reason=None, next_poll_at=at, updated_at=at)
    )
