"""The authorization code grant, for installs that start outside the admin (Authlib).

GET /auth/install?shop=...  validates the shop (and the query HMAC when Shopify signed it),
sets a signed, HttpOnly, SameSite=Lax state cookie and redirects to the shop's authorize page.
Inside the admin iframe (embedded=1) it first escapes the iframe: Shopify's authorize page
cannot be framed, and the state cookie must belong to the top-level browser.
GET /auth/callback  checks the query HMAC and timestamp, the state against the cookie, exchanges
the code for an expiring offline token and sends the merchant to the app in the admin.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from flask import Blueprint, redirect, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.clock import utcnow
from app.config import Settings
from app.extensions import current_settings
from app.shopify.admin_urls import admin_app_url
from app.shopify.embedded import APP_LOAD_MAX_AGE, message_page, page
from app.shopify.http import mount_shopify_adapter
from app.shopify.query_hmac import QueryVerificationError, shop_domain, verify_query
from app.shopify.shop_tokens import install_from_grant
from app.shopify.tokens import ShopifyTokenError, TokenGrant

bp = Blueprint("shopify_oauth", __name__)

STATE_COOKIE: Final = "pricebridge_oauth_state"
STATE_MAX_AGE_SECONDS: Final = 600
STATE_SALT: Final = "pricebridge.shopify.oauth-state"


def _secrets(settings: Settings) -> list[str]:
    return [s for s in (settings.shopify_api_secret, settings.shopify_api_secret_previous) if s]


def oauth_client(settings: Settings) -> OAuth2Session:
    """Authlib's client: credentials in the body as Shopify wants, Shopify hosts rewritten.

    Authlib's requests client rather than its httpx one: Authlib 1.9 deprecates plain httpx.
    """
    session = OAuth2Session(
        client_id=settings.shopify_api_key,
        client_secret=settings.shopify_api_secret,
        token_endpoint_auth_method="client_secret_post",  # noqa: S106  # nosec B106  # a method name
        scope=",".join(settings.shopify_scopes),  # Shopify separates scopes with commas
        redirect_uri=settings.shopify_app_url + "/auth/callback",
    )
    return mount_shopify_adapter(session, settings)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=STATE_SALT)


def _secure_cookie(settings: Settings) -> bool:
    return request.is_secure or urlsplit(settings.shopify_app_url).scheme == "https"


@bp.get("/auth/install")
def install() -> Response:
    settings = current_settings()
    try:
        shop = shop_domain(request.args.get("shop", ""))
        if "hmac" in request.args or request.args.get("embedded") == "1":
            verify_query(
                request.args.to_dict(flat=False),
                _secrets(settings),
                now=utcnow(),
                max_age=APP_LOAD_MAX_AGE,
            )
    except QueryVerificationError as error:
        return message_page(f"This install link is not valid: {error}.", None, 400)
    if request.args.get("embedded") == "1":
        top = f"{settings.shopify_app_url}/auth/install?{urlencode({'shop': shop})}"
        return page("shopify/exit_iframe.html", shop, url=top)
    nonce = secrets.token_urlsafe(32)
    with oauth_client(settings) as client:
        url, _state = client.create_authorization_url(
            settings.shopify_admin_url(shop, "/admin/oauth/authorize"), state=nonce
        )
    response = redirect(url, 302)
    response.set_cookie(
        STATE_COOKIE,
        _serializer(settings).dumps({"nonce": nonce, "shop": shop}),
        max_age=STATE_MAX_AGE_SECONDS,
        path="/auth",
        httponly=True,
        samesite="Lax",
        secure=_secure_cookie(settings),
    )
    return response


def _state_matches(settings: Settings, shop: str) -> bool:
    raw = request.cookies.get(STATE_COOKIE, "")
    try:
        saved = _serializer(settings).loads(raw, max_age=STATE_MAX_AGE_SECONDS)
    except BadSignature:
        return False
    if not isinstance(saved, dict) or saved.get("shop") != shop:
        return False
    given = request.args.get("state", "")
    return bool(given) and hmac.compare_digest(str(saved.get("nonce", "")).encode(), given.encode())


def _fetch_code_grant(settings: Settings, shop: str, code: str) -> dict[str, Any]:
    with oauth_client(settings) as client:
        token = client.fetch_token(
            f"https://{shop}/admin/oauth/access_token",
            code=code,
            expiring="1",
            headers={"Accept": "application/json"},
            timeout=10,
        )
    return dict(token)


@bp.get("/auth/callback")
def callback() -> Response:
    settings = current_settings()
    now = utcnow()
    try:
        shop = verify_query(request.args.to_dict(flat=False), _secrets(settings), now=now)
    except QueryVerificationError as error:
        return message_page(f"This install answer is not valid: {error}.", None, 400)
    if not _state_matches(settings, shop):
        return message_page("This install was not started from this browser.", None, 403)
    code = request.args.get("code", "")
    try:
        answer = _fetch_code_grant(settings, shop, code)
        install_from_grant(shop, TokenGrant.from_response(shop, answer, now=now), now=now)
    except (AuthlibBaseError, requests.RequestException, ShopifyTokenError) as error:
        return message_page(f"Shopify refused the install: {error}.", None, 502)
    response = redirect(admin_app_url(settings, shop), 302)
    response.delete_cookie(STATE_COOKIE, path="/auth", secure=_secure_cookie(settings))
    return response
