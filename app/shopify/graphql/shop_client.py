"""An ``AdminClient`` for one installed shop, wired from the app's settings and Redis."""

from __future__ import annotations

from sqlalchemy import select

from app.broker import current_broker
from app.extensions import current_settings, db
from app.models import Shop
from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.errors import ShopifyAuthError
from app.shopify.graphql.throttle import CostThrottle


class StoredToken:
    """The shop's offline access token as stored (issue 3 keeps it fresh).

    On ``refresh=True`` (after a 401) it reads the row again: another process may have
    refreshed the token meanwhile.
    """

    def __init__(self, shop: Shop) -> None:
        self.shop_id = shop.id
        self.domain = shop.domain
        self._token = shop.access_token

    def __call__(self, *, refresh: bool) -> str:
        if refresh or self._token is None:
            query = select(Shop.access_token).where(Shop.id == self.shop_id)
            self._token = db.session.scalar(query)
        if not self._token:
            raise ShopifyAuthError(self.domain, "no access token stored for the shop")
        return self._token


def admin_client(shop: Shop) -> AdminClient:
    settings = current_settings()
    path = f"/admin/api/{settings.shopify_api_version}/graphql.json"
    return AdminClient(
        shop=shop.domain,
        url=settings.shopify_admin_url(shop.domain, path),
        token=StoredToken(shop),
        throttle=CostThrottle(current_broker().redis, shop.domain),
    )
