"""The session-token gate: every /api route (and the websocket) passes through it first.

A missing or bad token answers 401 with `X-Shopify-Retry-Invalid-Session-Request: 1`, which
tells App Bridge to fetch a fresh token and retry once. No cookies are involved.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from flask import g, request

from app.api.errors import ApiError
from app.extensions import current_settings
from app.models import Shop
from app.observability.logging import bind
from app.shopify.install import ShopNotInstalled, shop_for_session
from app.shopify.session_token import InvalidSessionToken, verify_session_token
from app.shopify.tokens import InvalidSubjectToken, Retryable

P = ParamSpec("P")
R = TypeVar("R")
RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"


@dataclass(frozen=True)
class SessionContext:
    shop: Shop
    user_id: str | None
    claims: Mapping[str, Any]

    @property
    def actor(self) -> str:
        """Who a price change's audit trail names: the Shopify user id, else "merchant"."""
        return self.user_id or "merchant"


def unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={RETRY_HEADER: "1"})


def authenticate(raw_token: str) -> SessionContext:
    """Verify a session token and resolve its shop; raise a 401 ApiError otherwise."""
    settings = current_settings()
    try:
        claims = verify_session_token(
            raw_token,
            api_key=settings.shopify_api_key,
            api_secret=settings.shopify_api_secret,
            now=time.time(),
        )
    except InvalidSessionToken as error:
        raise unauthorized("invalid_session_token", str(error)) from None
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
    return SessionContext(shop=shop, user_id=claims.user_id, claims=claims.claims)


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("missing_session_token", "Send the session token as a Bearer token.")
    return token.strip()


def session_required(view: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(view)
    def gated(*args: P.args, **kwargs: P.kwargs) -> R:
        g.pricebridge_session = authenticate(bearer_token())
        return view(*args, **kwargs)

    return gated


def current_session() -> SessionContext:
    session = g.get("pricebridge_session")
    if not isinstance(session, SessionContext):
        raise RuntimeError("current_session() outside a @session_required route")
    return session
