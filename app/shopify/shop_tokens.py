"""A shop's offline token in the database: install, refresh, migrate, one process at a time.

Every write of a shop's tokens happens while holding the shop's Redis lock (refresh tokens rotate:
two concurrent refreshes would burn one), after re-reading the row with SELECT ... FOR UPDATE,
because another process may have done the work while we waited. Then the commit, then the lock
is released.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import current_settings, db
from app.models import Shop
from app.shopify import signals
from app.shopify.lifecycle import clear_tokens, mark_installed, mark_uninstalled
from app.shopify.locks import shop_token_lock
from app.shopify.tokens import (
    AuthFailed,
    InvalidSubjectToken,
    Revoked,
    ShopifyTokenError,
    ShopifyTokens,
    TokenGrant,
)

log = logging.getLogger(__name__)

# A request refreshes a token with less than this left; the scheduler starts earlier.
REFRESH_MARGIN: Final = timedelta(minutes=5)
SCHEDULED_REFRESH_MARGIN: Final = timedelta(minutes=10)


def shopify_tokens() -> ShopifyTokens:
    return ShopifyTokens(current_settings())


def needs_token(shop: Shop | None) -> bool:
    """No usable expiring offline token: missing, uninstalled, or non-expiring (to migrate)."""
    return (
        shop is None
        or not shop.is_installed
        or shop.access_token is None
        or shop.access_token_expires_at is None
    )


def is_due(shop: Shop, now: datetime, margin: timedelta) -> bool:
    expires = shop.access_token_expires_at
    return expires is not None and expires - now <= margin


@contextmanager
def _locked(domain: str) -> Iterator[None]:
    with shop_token_lock(current_broker().redis, domain):
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise


def _reload_for_update(domain: str) -> Shop | None:
    statement = (
        select(Shop)
        .where(Shop.domain == domain)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.execute(statement).scalar_one_or_none()


def store_grant(shop: Shop, grant: TokenGrant, now: datetime) -> None:
    shop.access_token = grant.access_token
    shop.access_token_expires_at = grant.expires_at
    shop.refresh_token = grant.refresh_token
    shop.refresh_token_expires_at = grant.refresh_token_expires_at
    shop.scopes = ",".join(grant.scopes)
    if not shop.is_installed:
        mark_installed(shop, now)


def drop_tokens(shop: Shop, now: datetime, *, uninstalled: bool) -> None:
    """Forget tokens Shopify refused; `uninstalled` when Shopify says the app is gone."""
    if uninstalled:
        mark_uninstalled(shop, now)
    else:
        clear_tokens(shop)


def announce_install(shop: Shop) -> None:
    """After the commit that stored the shop's token: `signals.shop_installed` (the
    price-change jobs learn the shop's currency when it is not known yet)."""
    signals.shop_installed.send(shop)


def install_from_session(
    domain: str, claims: Mapping[str, Any], session_token: str, *, now: datetime
) -> Shop:
    """Give the shop an expiring offline token from a verified session token (and its row)."""
    with _locked(domain):
        shop = _reload_for_update(domain)
        if shop is not None and not needs_token(shop) and not is_due(shop, now, REFRESH_MARGIN):
            db.session.commit()  # another request installed it while we waited
            return shop
        try:
            grant = _grant_for_session(shop, domain, claims, session_token, now)
        except Revoked:
            if shop is not None:
                drop_tokens(shop, now, uninstalled=True)
                db.session.commit()
            raise
        if shop is None:
            shop = Shop(domain=domain)
            db.session.add(shop)
        store_grant(shop, grant, now)
        db.session.commit()
        log.info("shopify offline token installed for %s", domain)
        announce_install(shop)
        return shop


def _grant_for_session(
    shop: Shop | None,
    domain: str,
    claims: Mapping[str, Any],
    session_token: str,
    now: datetime,
) -> TokenGrant:
    tokens = shopify_tokens()
    non_expiring = shop is not None and shop.is_installed and shop.access_token is not None
    if non_expiring and shop is not None and shop.access_token_expires_at is None:
        assert shop.access_token is not None
        try:
            return tokens.migrate(domain, shop.access_token, now=now)
        except (InvalidSubjectToken, AuthFailed) as error:
            # The old token is dead (revoked or already migrated and lost): the session token
            # in hand gets a new one, which is what migration would have given.
            log.info("%s: migration refused (%s); exchanging the session token", domain, error)
    return tokens.exchange(domain, claims, session_token)


def refresh_shop_token(
    domain: str, *, now: datetime, margin: timedelta, seen_refresh_token: str | None = None
) -> Shop:
    """Refresh the shop's token if it expires within `margin` (someone may have already).

    `seen_refresh_token` is the refresh token the caller judged due; if the row holds another
    one after the lock is ours, another process rotated it meanwhile and there is nothing to do.
    """
    with _locked(domain):
        shop = _reload_for_update(domain)
        if shop is None or needs_token(shop):
            db.session.commit()
            raise AuthFailed(domain, "no_token", "the shop has no expiring offline token")
        rotated = seen_refresh_token is not None and shop.refresh_token != seen_refresh_token
        if rotated or not is_due(shop, now, margin):
            db.session.commit()  # refreshed by another process while we waited
            return shop
        if shop.refresh_token is None or (
            shop.refresh_token_expires_at is not None and shop.refresh_token_expires_at <= now
        ):
            drop_tokens(shop, now, uninstalled=False)
            db.session.commit()
            raise AuthFailed(domain, "refresh_token_expired", "the refresh token has expired")
        try:
            grant = shopify_tokens().refresh(domain, shop.refresh_token, now=now)
        except AuthFailed as error:
            drop_tokens(shop, now, uninstalled=isinstance(error, Revoked))
            db.session.commit()
            raise
        store_grant(shop, grant, now)
        db.session.commit()
        log.info("shopify offline token refreshed for %s", domain)
        return shop


def migrate_shop_token(domain: str, *, now: datetime) -> Shop:
    """Swap the shop's non-expiring token for an expiring one (no session token needed)."""
    with _locked(domain):
        shop = _reload_for_update(domain)
        if shop is None or not shop.is_installed or shop.access_token is None:
            db.session.commit()
            raise AuthFailed(domain, "no_token", "the shop has no offline token")
        if shop.access_token_expires_at is not None:
            db.session.commit()  # migrated by another process while we waited
            return shop
        try:
            grant = shopify_tokens().migrate(domain, shop.access_token, now=now)
        except (InvalidSubjectToken, AuthFailed) as error:
            drop_tokens(shop, now, uninstalled=isinstance(error, Revoked))
            db.session.commit()
            raise AuthFailed(domain, error.code, str(error), error.status) from error
        store_grant(shop, grant, now)
        db.session.commit()
        log.info("shopify non-expiring token migrated for %s", domain)
        return shop


def fresh_shop(shop: Shop, *, now: datetime, margin: timedelta = REFRESH_MARGIN) -> Shop:
    """The shop with a token good for at least `margin`: migrated or refreshed if needed."""
    if not shop.is_installed or shop.access_token is None:
        raise AuthFailed(shop.domain, "not_installed", "the shop has no offline token")
    if shop.access_token_expires_at is None:
        return migrate_shop_token(shop.domain, now=now)
    if is_due(shop, now, margin):
        return refresh_shop_token(
            shop.domain, now=now, margin=margin, seen_refresh_token=shop.refresh_token
        )
    return shop


def valid_access_token(shop: Shop, *, now: datetime | None = None) -> str:
    """An access token for GraphQL calls on `shop`, refreshed first when it is about to expire.

    Raises AuthFailed (tokens gone: the merchant must open the app) or Retryable.
    """
    shop = fresh_shop(shop, now=now or utcnow())
    if shop.access_token is None:
        raise ShopifyTokenError(shop.domain, "no_token", "the shop lost its token meanwhile")
    return shop.access_token


def install_from_grant(domain: str, grant: TokenGrant, *, now: datetime) -> Shop:
    """Store a grant obtained outside token exchange (the authorization code grant)."""
    with _locked(domain):
        shop = _reload_for_update(domain)
        if shop is None:
            shop = Shop(domain=domain)
            db.session.add(shop)
        store_grant(shop, grant, now)
        db.session.commit()
        log.info("shopify offline token installed for %s (authorization code)", domain)
        announce_install(shop)
        return shop
