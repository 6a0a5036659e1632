"""What can go wrong talking to the Admin GraphQL API, as a small typed taxonomy."""

from __future__ import annotations

from typing import Any


class ShopifyError(RuntimeError):
    """Base of every Admin API failure; ``retryable`` says whether trying later may help."""

    retryable = False

    def __init__(self, shop: str, message: str, *, detail: Any = None) -> None:
        super().__init__(f"{shop}: {message}")
        self.shop = shop
        self.detail = detail


class ShopifyAuthError(ShopifyError):
    """401 even after refreshing the access token once: the token is revoked or the app is gone."""


class ShopifyThrottled(ShopifyError):
    """Still THROTTLED (or 429) after every retry."""

    retryable = True


class ShopifyUnavailable(ShopifyError):
    """5xx or a network failure after every retry."""

    retryable = True


class ShopifyQueryError(ShopifyError):
    """Shopify refused the request itself (top-level ``errors``, a 4xx): a bug or bad input."""
