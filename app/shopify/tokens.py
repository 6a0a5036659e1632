"""Shopify's token endpoint: token exchange, refresh, migration and code redemption.

Exchange and refresh go through `shopifyapp` (pinned), given an httpx client whose transport
honours SHOPIFY_ADMIN_ORIGIN. `shopifyapp` 1.0.2 has no call for migrating a non-expiring
offline token to an expiring one, so that request is made here with the same client, in the
shape of `@shopify/shopify-api` migrate-to-expiring-token.ts. Every answer becomes a
`TokenGrant`, every failure one of the typed errors below. No database here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import httpx
from shopify_app import IdTokenDetails, ShopifyApp, TokenExchangeAccessToken, TokenExchangeResult

from app.config import Settings
from app.shopify.http import shopify_http_client
from app.shopify.query_hmac import shop_domain

# Grant and token type names, not secrets.
TOKEN_EXCHANGE: Final = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
OFFLINE_TOKEN_TYPE: Final = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105


class ShopifyTokenError(RuntimeError):
    """Shopify refused or failed a token request. `code` is Shopify's (or shopifyapp's)."""

    def __init__(self, shop: str, code: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{shop}: {code}: {detail}")
        self.shop = shop
        self.code = code
        self.status = status


class InvalidSubjectToken(ShopifyTokenError):
    """The session token was refused: answer 401 with the retry header so App Bridge retries."""


class AuthFailed(ShopifyTokenError):
    """The grant is gone (refresh token invalid or expired): a new token exchange is needed."""


class Revoked(AuthFailed):
    """The app is not installed on the shop (`invalid_client`): mark the shop uninstalled."""


class Retryable(ShopifyTokenError):
    """Network trouble, 429 or 5xx: try again later."""


@dataclass(frozen=True)
class TokenGrant:
    """An offline access token as Shopify granted it. No expiry means a non-expiring token."""

    shop: str
    access_token: str = ""
    scope: str = ""
    expires_at: datetime | None = None
    refresh_token: str | None = None
    refresh_token_expires_at: datetime | None = None

    def __post_init__(self) -> None:
        shop_domain(self.shop)
        if not self.access_token:
            raise ValueError(f"TokenGrant for {self.shop}: access_token is empty")
        for name in ("expires_at", "refresh_token_expires_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"TokenGrant.{name} {value!r} must be timezone-aware")
        if (self.refresh_token is None) != (self.expires_at is None):
            has_refresh = self.refresh_token is not None
            raise ValueError(
                f"TokenGrant for {self.shop}: an expiring token comes with a refresh token "
                f"(expires_at={self.expires_at!r}, refresh token given: {has_refresh})"
            )

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.scope.split(",") if s.strip())

    @classmethod
    def from_response(cls, shop: str, body: Mapping[str, Any], *, now: datetime) -> TokenGrant:
        """From the token endpoint's JSON (`expires_in` and friends are seconds from `now`)."""

        def seconds(name: str) -> datetime | None:
            value = body.get(name)
            if value is None:
                return None
            if not isinstance(value, int) or value < 0:
                raise ShopifyTokenError(shop, "malformed_response", f"{name}={value!r}")
            return now + timedelta(seconds=value)

        token, refresh = body.get("access_token"), body.get("refresh_token")
        if not isinstance(token, str) or not token:
            raise ShopifyTokenError(shop, "malformed_response", "no access_token in the answer")
        return cls(
            shop=shop,
            access_token=token,
            scope=str(body.get("scope") or ""),
            expires_at=seconds("expires_in"),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            refresh_token_expires_at=seconds("refresh_token_expires_in"),
        )


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


class ShopifyTokens:
    """The token endpoint for one app (client id and secret from the settings)."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.transport = transport  # tests inject one; None means the network
        self.app = ShopifyApp(settings.shopify_api_key, settings.shopify_api_secret)

    def _client(self) -> httpx.Client:
        return shopify_http_client(self.settings, inner=self.transport)

    def exchange(self, shop: str, claims: Mapping[str, Any], session_token: str) -> TokenGrant:
        """Exchange an App Bridge session token for an expiring offline token."""
        details = IdTokenDetails(exchangeable=True, token=session_token, claims=dict(claims))
        with self._client() as client:
            result = self.app.exchange_using_token_exchange(
                "offline", id_token=details, expiring=True, http_client=client
            )
        return self._grant(shop, result)

    def refresh(self, shop: str, refresh_token: str, *, now: datetime) -> TokenGrant:
        """Rotate: a new access and refresh token for the refresh token (used up by this)."""
        current = TokenExchangeAccessToken(
            shop=shop.removesuffix(".myshopify.com"),
            token="",  # nosec B106  # a placeholder, refresh fills it
            # Our caller decided the refresh is due (by its clock, with its own margin); given
            # an expiry, shopifyapp would skip the refresh while the token has 60 s left by the
            # wall clock. Without one (and with a refresh token) it refreshes.
            expires=None,
            scope="",
            access_mode="offline",
            refresh_token=refresh_token,
            refresh_token_expires=None,
            user=None,
        )
        with self._client() as client:
            result = self.app.refresh_token_exchanged_access_token(current, http_client=client)
        return self._grant(shop, result)

    def migrate(self, shop: str, non_expiring_token: str, *, now: datetime) -> TokenGrant:
        """Exchange a non-expiring offline token for an expiring one (shopifyapp can't)."""
        body = {
            "client_id": self.settings.shopify_api_key,
            "client_secret": self.settings.shopify_api_secret,
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": non_expiring_token,
            "subject_token_type": OFFLINE_TOKEN_TYPE,
            "requested_token_type": OFFLINE_TOKEN_TYPE,
            "expiring": "1",
        }
        return self._post(shop, body, now=now)

    def redeem_code(self, shop: str, answer: Mapping[str, Any], *, now: datetime) -> TokenGrant:
        """A grant from an authorization-code answer Authlib already fetched."""
        return TokenGrant.from_response(shop, answer, now=now)

    def _post(self, shop: str, body: Mapping[str, str], *, now: datetime) -> TokenGrant:
        url = f"https://{shop}/admin/oauth/access_token"
        try:
            with self._client() as client:
                response = client.post(url, json=dict(body), headers={"Accept": "application/json"})
        except httpx.HTTPError as error:
            raise Retryable(shop, "network_error", str(error)) from error
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 200 and isinstance(answer, dict):
            return TokenGrant.from_response(shop, answer, now=now)
        code = str(answer.get("error", "unknown_error")) if isinstance(answer, dict) else "unknown"
        raise error_for(shop, code, f"HTTP {response.status_code}", response.status_code)

    def _grant(self, shop: str, result: TokenExchangeResult) -> TokenGrant:
        if result.ok and result.access_token is not None:
            token = result.access_token
            return TokenGrant(
                shop=shop,
                access_token=token.token,
                scope=token.scope,
                expires_at=_parse_time(token.expires),
                refresh_token=token.refresh_token or None,
                refresh_token_expires_at=_parse_time(token.refresh_token_expires),
            )
        status = result.http_logs[-1].res.status if result.http_logs else None
        raise error_for(shop, result.log.code, result.log.detail, status)


def error_for(shop: str, code: str, detail: str, status: int | None) -> ShopifyTokenError:
    """The typed error for a failed token request (codes from Shopify or from shopifyapp)."""
    if code == "invalid_subject_token":
        return InvalidSubjectToken(shop, code, detail, status)
    if code == "invalid_client":
        return Revoked(shop, code, detail, status)
    if code in {"invalid_grant", "refresh_token_expired"}:
        return AuthFailed(shop, code, detail, status)
    if code in {"network_error", "server_error", "rate_limit_exceeded"} or (
        status is not None and (status == 429 or status >= 500 or status == 0)
    ):
        return Retryable(shop, code, detail, status)
    return ShopifyTokenError(shop, code, detail, status)
