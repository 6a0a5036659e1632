"""From a verified session token to the shop it speaks for, installing it on first sight.

Shopify-managed installation: the admin loads the app with a session token, and the app
exchanges that token for an expiring offline token (token exchange). So the first verified
session token of a shop installs it; a non-expiring token found in the database is migrated;
a token about to expire is refreshed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Shop
from app.shopify.session_token import SessionClaims
from app.shopify.shop_tokens import (
    REFRESH_MARGIN,
    install_from_session,
    is_due,
    needs_token,
    refresh_shop_token,
)
from app.shopify.tokens import AuthFailed, Revoked

log = logging.getLogger(__name__)


class ShopNotInstalled(LookupError):
    """Shopify says the app is not installed on the token's shop (`invalid_client`)."""


def shop_for_session(claims: SessionClaims, raw_token: str, *, now: datetime | None = None) -> Shop:
    """The shop of a verified session token, with a usable offline token.

    Raises ShopNotInstalled, InvalidSubjectToken (Shopify refused the session token: answer
    401 with the retry header) or Retryable (Shopify unreachable: answer 503).
    """
    now = now or utcnow()
    shop = db.session.scalar(select(Shop).where(Shop.domain == claims.shop))
    try:
        if shop is None or needs_token(shop):
            return install_from_session(claims.shop, claims.claims, raw_token, now=now)
        if is_due(shop, now, REFRESH_MARGIN):
            return _refresh_or_exchange(shop, claims, raw_token, now)
        return shop
    except Revoked as error:
        raise ShopNotInstalled(claims.shop) from error


def _refresh_or_exchange(shop: Shop, claims: SessionClaims, raw_token: str, now: datetime) -> Shop:
    try:
        return refresh_shop_token(
            shop.domain, now=now, margin=REFRESH_MARGIN, seen_refresh_token=shop.refresh_token
        )
    except Revoked:
        raise
    except AuthFailed as error:
        # The refresh token is gone, but the merchant is here with a session token.
        log.info("%s: refresh failed (%s); exchanging the session token", shop.domain, error)
        return install_from_session(claims.shop, claims.claims, raw_token, now=now)
