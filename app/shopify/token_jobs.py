"""Scheduled token upkeep: refresh offline tokens before they expire, migrate non-expiring ones.

The periodic task only picks shop ids and enqueues; the job reloads the shop and refreshes it
under the shop's lock (a request may be refreshing it at the same moment).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select

from app.clock import utcnow
from app.extensions import db
from app.jobs.decorators import job
from app.models import Shop
from app.shopify.shop_tokens import SCHEDULED_REFRESH_MARGIN, fresh_shop
from app.shopify.tokens import AuthFailed

log = logging.getLogger(__name__)


@job(
    "default",
    timeout=120,
    retry_intervals=(10, 60, 300),
    job_id=lambda shop_id: f"shopify-token-refresh-{shop_id}",
)
def refresh_shop_token_job(shop_id: int) -> None:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed or shop.access_token is None:
        return
    try:
        fresh_shop(shop, now=utcnow(), margin=SCHEDULED_REFRESH_MARGIN)
    except AuthFailed as error:
        # Tokens are dropped and recorded on the row; retrying cannot help until the merchant
        # opens the app again (which exchanges a fresh session token).
        log.warning("shop %s needs a new token exchange: %s", shop.domain, error)


def enqueue_due_token_refreshes(now: datetime) -> int:
    """Enqueue a refresh for every installed shop whose token expires within 10 minutes."""
    due = db.session.scalars(
        select(Shop.id).where(
            Shop.installed_at.is_not(None),
            Shop.uninstalled_at.is_(None),
            Shop.access_token.is_not(None),
            or_(
                Shop.access_token_expires_at.is_(None),  # non-expiring: migrate it
                Shop.access_token_expires_at <= now + SCHEDULED_REFRESH_MARGIN,
            ),
        )
    ).all()
    db.session.commit()  # end the read transaction before enqueueing
    for shop_id in due:
        refresh_shop_token_job.enqueue(shop_id)
    return len(due)
