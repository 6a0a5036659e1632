"""The embedded page at /app, and the "patch ID token" bounce page at /auth/session-token.

A document load carries the session token as `?id_token=`. With a valid one the shop is
installed or refreshed (shop_for_session) and the page shell renders. Without one (or with a
stale one) the browser goes to the bounce page, which only loads App Bridge; App Bridge gets a
fresh token and reloads the `shopify-reload` URL with it (as shopify-app-js does). The CSP names
the shop only when it comes from a verified source: the session token's `dest`, or a query
carrying a valid HMAC. No cookies are set.

shopifyapp's own page helpers hard-code Shopify's CDN and admin; these pages need the
APP_BRIDGE_SRC and SHOPIFY_ADMIN_ORIGIN settings, so they are rendered here.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from datetime import timedelta
from typing import Any, Final
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from app.clock import utcnow
from app.extensions import current_settings
from app.shopify.admin_urls import admin_app_url, frame_ancestors
from app.shopify.dashboard_assets import dashboard_build
from app.shopify.domains import is_shop_domain
from app.shopify.install import ShopNotInstalled, shop_for_session
from app.shopify.query_hmac import (
    CALLBACK_MAX_AGE,
    QueryVerificationError,
    sign_query,
    verify_query,
)
from app.shopify.session_token import InvalidSessionToken, SessionClaims, verify_session_token
from app.shopify.signals import dashboard_opened
from app.shopify.tokens import InvalidSubjectToken, Retryable

bp = Blueprint("shopify_embedded", __name__)

BOUNCE_PATH: Final = "/auth/session-token"
# An app-load query is only used to learn the shop for the CSP and the bounce; a day-old
# signed URL (a reloaded frame) still names the same shop, as ShopifyAPI's 24 h rule allows.
APP_LOAD_MAX_AGE: Final = timedelta(hours=24)


def _secrets() -> list[str]:
    settings = current_settings()
    return [s for s in (settings.shopify_api_secret, settings.shopify_api_secret_previous) if s]


def page(template: str, shop: str | None, status: int = 200, **context: object) -> Response:
    settings = current_settings()
    html = render_template(
        template,
        api_key=settings.shopify_api_key,
        app_bridge_src=settings.app_bridge_src,
        polaris_src=settings.polaris_src,
        shop=shop,
        **context,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = frame_ancestors(settings, shop)
    response.headers["Cache-Control"] = "no-store"
    return response


def message_page(message: str, shop: str | None, status: int) -> Response:
    admin = admin_app_url(current_settings(), shop) if shop else None
    return page("shopify/message.html", shop, status, message=message, admin_url=admin)


def verified_query_shop(max_age: timedelta = APP_LOAD_MAX_AGE) -> str | None:
    """The shop of this request's query if Shopify (or our bounce) signed it, else None."""
    try:
        return verify_query(
            request.args.to_dict(flat=False), _secrets(), now=utcnow(), max_age=max_age
        )
    except QueryVerificationError:
        return None


def _verify(token: str, now: float) -> SessionClaims:
    settings = current_settings()
    return verify_session_token(
        token, api_key=settings.shopify_api_key, api_secret=settings.shopify_api_secret, now=now
    )


def stale_token_shop(token: str) -> str | None:
    """The shop of a session token that is genuine but expired (a reloaded frame).

    The signature, audience and dest/iss are checked at the token's own expiry time, so the
    shop is as verified as in a fresh token; only its freshness is not.
    """
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        expires = claims["exp"] if isinstance(claims, dict) else None
        if not isinstance(expires, int):
            return None
        return _verify(token, float(expires)).shop
    except (IndexError, KeyError, ValueError, RecursionError, binascii.Error, InvalidSessionToken):
        return None


def bounce(shop: str) -> BaseResponse:
    """Redirect to the bounce page, which reloads this URL with a fresh id_token."""
    settings = current_settings()
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "id_token"]
    reload_url = settings.shopify_app_url + request.path
    if kept:
        reload_url += "?" + urlencode(kept)
    params = {
        "shop": shop,
        "shopify-reload": reload_url,
        "timestamp": str(int(utcnow().timestamp())),
    }
    # Signed with the app secret so the bounce page can trust the shop it puts in its CSP.
    params["hmac"] = sign_query(params, settings.shopify_api_secret)
    return redirect(f"{BOUNCE_PATH}?{urlencode(params)}", 302)


def _without_token() -> BaseResponse:
    shop = verified_query_shop()
    if shop is not None:
        return bounce(shop)
    claimed = request.args.get("shop", "")
    if is_shop_domain(claimed):
        return _to_admin(claimed)
    return message_page("Open PriceBridge from your Shopify admin.", None, 400)


def _to_admin(shop: str) -> BaseResponse:
    """An unverified load naming a shop: send the browser to the app inside that admin."""
    return redirect(admin_app_url(current_settings(), shop), 302)


@bp.get("/app")
@bp.get("/app/<path:rest>")
def app_home(rest: str = "") -> BaseResponse:
    token = request.args.get("id_token", "")
    if not token:
        return _without_token()
    try:
        claims = _verify(token, time.time())
    except InvalidSessionToken:
        shop = stale_token_shop(token) or verified_query_shop()
        return bounce(shop) if shop else _without_token()
    try:
        shop_row = shop_for_session(claims, token)
    except InvalidSubjectToken:
        return bounce(claims.shop)
    except ShopNotInstalled:
        return message_page("PriceBridge is not installed on this store.", claims.shop, 403)
    except Retryable:
        return message_page("Shopify did not answer; please try again.", claims.shop, 503)
    build = dashboard_build()
    initial: dict[str, Any] = {}
    if build is not None:  # what the page's first paint needs (app.api.page_data)
        for _receiver, part in dashboard_opened.send(shop_row, path=request.path):
            initial.update(part)
    return page("shopify/app_home.html", shop_row.domain, build=build, initial=initial)


@bp.get(BOUNCE_PATH)
def session_token_bounce() -> BaseResponse:
    shop = verified_query_shop(CALLBACK_MAX_AGE)
    if shop is None or not request.args.get("shopify-reload"):
        return message_page("Open PriceBridge from your Shopify admin.", None, 400)
    return page("shopify/bounce.html", shop)
