"""From a verified session token to the shop it speaks for."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from app.shopify.session_token import SessionClaims


class ShopNotInstalled(LookupError):
    """No installed shop matches the token (token exchange installs it; see issue 3)."""


def shop_for_session(claims: SessionClaims, raw_token: str) -> Shop:
    shop = db.session.scalar(select(Shop).where(Shop.domain == claims.shop))
    if shop is None or not shop.is_installed:
        raise ShopNotInstalled(claims.shop)
    return shop
