"""The session-token gate: every /api route (and the websocket) passes through it first.

A missing or bad token answers 401 with `X-Shopify-Retry-Invalid-Session-Request: 1`, which
tells App Bridge to fetch a fresh token and retry once. No cookies are involved.

App Bridge sends the same session token with every request of its minute (it fetches a new
one shortly before `exp`), so each web process remembers the tokens it has verified, until
they expire: a token seen before is not verified again, and its shop is not read until the
route asks for it (`SessionContext.shop`, which then does every check a new token gets:
installed, offline token refreshed). A route that needs only the shop's id and checks the
installation in its own query (the products list) reads `verified_shop_id` and costs no
query of its own for the gate.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, ParamSpec, TypeVar

from flask import current_app, g, request

from app.api.errors import ApiError
from app.api.openapi import documented_query
from app.api.query import query_args
from app.extensions import current_settings
from app.models import Shop
from app.observability.logging import bind
from app.shopify.install import ShopNotInstalled, shop_for_session
from app.shopify.session_token import (
    LEEWAY_SECONDS,
    InvalidSessionToken,
    SessionClaims,
    verify_session_token,
)
from app.shopify.tokens import InvalidSubjectToken, Retryable

P = ParamSpec("P")
R = TypeVar("R")
RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"


VERIFIED_TOKENS_EXTENSION: Final = "pricebridge.verified_session_tokens"


@dataclass(frozen=True)
class Verified:
    """A session token this process has verified: its claims and its shop's id."""

    claims: SessionClaims
    shop_id: int

    def usable(self, now: float) -> bool:
        return now <= self.claims.expires_at + LEEWAY_SECONDS


class VerifiedTokens:
    """Session tokens verified by this process, by raw token, until each expires.

    Bounded: past `capacity` entries the expired ones are dropped, then the oldest. An entry
    says nothing about the shop now (it may have uninstalled since): `SessionContext.shop`
    checks that in full, the products list in its own query. Thread-safe (the gthread worker
    serves requests from many threads).
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._entries: dict[str, Verified] = {}
        self._lock = threading.Lock()

    def get(self, raw_token: str, now: float) -> Verified | None:
        found = self._entries.get(raw_token)
        if found is None or found.usable(now):
            return found
        with self._lock:
            self._entries.pop(raw_token, None)
        return None

    def put(self, raw_token: str, verified: Verified, now: float) -> None:
        with self._lock:
            if len(self._entries) >= self._capacity:
                self._entries = {t: v for t, v in self._entries.items() if v.usable(now)}
                while len(self._entries) >= self._capacity:
                    del self._entries[next(iter(self._entries))]
            self._entries[raw_token] = verified

    def __len__(self) -> int:
        return len(self._entries)


def verified_tokens() -> VerifiedTokens:
    """This app's (so this process's) verified tokens."""
    tokens = current_app.extensions.setdefault(VERIFIED_TOKENS_EXTENSION, VerifiedTokens())
    assert isinstance(tokens, VerifiedTokens)
    return tokens


class SessionContext:
    """A request's verified session: its shop, its user and the token's claims."""

    def __init__(self, raw_token: str, verified: Verified, shop: Shop | None = None) -> None:
        self._raw_token = raw_token
        self._verified = verified
        self._shop = shop

    @property
    def shop(self) -> Shop:
        """The installed shop with a usable offline token (read, and refreshed when due, at
        the first use in the request). Raises the gate's 401/503 ApiError otherwise."""
        if self._shop is None:
            self._shop = _shop_of(self._verified.claims, self._raw_token)
        return self._shop

    @property
    def verified_shop_id(self) -> int:
        """The id of the shop the token was issued for, read when the token was first
        verified: no query. Whether the shop is still installed is for the caller to check
        (in its own query), or to learn from `shop`."""
        return self._verified.shop_id

    @property
    def user_id(self) -> str | None:
        return self._verified.claims.user_id

    @property
    def claims(self) -> Mapping[str, Any]:
        return self._verified.claims.claims

    @property
    def actor(self) -> str:
        """Who a price change's audit trail names: the Shopify user id, else "merchant"."""
        return self.user_id or "merchant"


def unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={RETRY_HEADER: "1"})


def authenticate(raw_token: str) -> SessionContext:
    """Verify a session token (or find it verified before) and resolve its shop; raise a 401
    ApiError otherwise. A token seen before costs no query until `SessionContext.shop`."""
    now = time.time()
    tokens = verified_tokens()
    known = tokens.get(raw_token, now)
    if known is not None:
        bind(shop=known.claims.shop)
        return SessionContext(raw_token, known)
    settings = current_settings()
    try:
        claims = verify_session_token(
            raw_token,
            api_key=settings.shopify_api_key,
            api_secret=settings.shopify_api_secret,
            now=now,
        )
    except InvalidSessionToken as error:
        raise unauthorized("invalid_session_token", str(error)) from None
    shop = _shop_of(claims, raw_token)
    verified = Verified(claims, shop.id)
    tokens.put(raw_token, verified, now)
    return SessionContext(raw_token, verified, shop)


def _shop_of(claims: SessionClaims, raw_token: str) -> Shop:
    """The token's installed shop (installing it, or refreshing its offline token, first
    when needed); a 401 or 503 ApiError when there is none to be had."""
    try:
        shop = shop_for_session(claims, raw_token)
    except ShopNotInstalled:
        raise unauthorized(
            "shop_not_installed", f"{claims.shop} has not installed PriceBridge."
        ) from None
    except InvalidSubjectToken:
        # Shopify refused the token in the exchange: App Bridge retries with a fresh one.
        raise unauthorized(
            "invalid_session_token", "Shopify refused the session token; retry with a new one."
        ) from None
    except Retryable:
        raise ApiError(
            503,
            "shopify_unavailable",
            "Shopify could not be reached to authorize this shop; try again shortly.",
            headers={"Retry-After": "5"},
        ) from None
    bind(shop=shop.domain)
    return shop


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("missing_session_token", "Send the session token as a Bearer token.")
    return token.strip()


def session_required(view: Callable[P, R]) -> Callable[P, R]:
    """The gate: a valid session token (401 otherwise), then only the query parameters the
    route's OpenAPI operation documents (422 `unknown_parameters` otherwise), so that no
    route silently ignores a parameter the document does not have."""

    @functools.wraps(view)
    def gated(*args: P.args, **kwargs: P.kwargs) -> R:
        g.pricebridge_session = authenticate(bearer_token())
        documented = documented_query(gated)
        if documented is not None:
            query_args(documented)
        return view(*args, **kwargs)

    return gated


def current_session() -> SessionContext:
    session = g.get("pricebridge_session")
    if not isinstance(session, SessionContext):
        raise RuntimeError("current_session() outside a @session_required route")
    return session
