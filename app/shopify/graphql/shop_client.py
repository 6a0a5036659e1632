"""An ``AdminClient`` for one installed shop, wired from the app's settings and Redis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import current_settings
from app.models import Shop
from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.errors import ShopifyAuthError, ShopifyUnavailable
from app.shopify.graphql.throttle import CostThrottle
from app.shopify.shop_tokens import refresh_shop_token, valid_access_token
from app.shopify.tokens import Retryable, ShopifyTokenError

# A margin no token outlives: a refresh with it is due whatever the token's expiry says.
FORCE_REFRESH: Final = timedelta(days=3650)

RECONNECT = (
    "Shopify refused PriceBridge's access to the store (the app was uninstalled or its access "
    "revoked). Open PriceBridge from the Shopify admin to reconnect it."
)


class ShopToken:
    """The shop's offline access token, refreshed (or migrated) before it expires.

    ``refresh=True`` comes after Shopify answered 401 to a token our clock still thought good
    (expired early, or rotated by Shopify): one refresh is forced, under the shop's token lock.
    If another process rotated the refresh token since we read it, its new token is used
    instead of refreshing twice. Token failures become the client's error taxonomy.
    """

    def __init__(self, shop: Shop, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.shop = shop
        self.domain = shop.domain
        self.clock = clock
        self._seen_refresh_token: str | None = None

    def __call__(self, *, refresh: bool) -> str:
        try:
            if refresh:
                shop = refresh_shop_token(
                    self.domain,
                    now=self.clock(),
                    margin=FORCE_REFRESH,
                    seen_refresh_token=self._seen_refresh_token,
                )
                token = shop.access_token
            else:
                token = valid_access_token(self.shop, now=self.clock())
        except Retryable as error:
            why = f"access token refresh failed: {error}"
            raise ShopifyUnavailable(self.domain, why) from error
        except ShopifyTokenError as error:
            raise ShopifyAuthError(self.domain, RECONNECT, detail=str(error)) from error
        if not token:
            raise ShopifyAuthError(self.domain, RECONNECT, detail="no access token stored")
        self._seen_refresh_token = self.shop.refresh_token
        return token


def admin_client(shop: Shop) -> AdminClient:
    settings = current_settings()
    path = f"/admin/api/{settings.shopify_api_version}/graphql.json"
    return AdminClient(
        shop=shop.domain,
        url=settings.shopify_admin_url(shop.domain, path),
        token=ShopToken(shop),
        throttle=CostThrottle(current_broker().redis, shop.domain),
    )
