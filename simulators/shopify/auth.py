"""Shopify's OAuth endpoints: token exchange, refresh, migration and the authorization code grant.

`POST /shops/<shop>/admin/oauth/access_token` answers like `https://<shop>/admin/oauth/access_token`
and `GET /shops/<shop>/admin/oauth/authorize` auto-approves like a merchant clicking "Install".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from flask import Flask, jsonify, redirect, request
from werkzeug.wrappers import Response

from simulators.shopify.records import INVALID_SUBJECT, GrantError, Mode, ShopRecord, TokenGrant

if TYPE_CHECKING:
    from simulators.shopify.app import Simulator

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
SESSION_TOKEN_TTL = 60
JWT_LEEWAY = 10

INVALID_CLIENT = GrantError(
    "invalid_client",
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method.",
    401,
)


def admin_query_message(params: Mapping[str, str]) -> str:
    """The signed message of an admin query: sorted `k=v` without hmac/signature, URL-encoded.

    Encoding follows URLSearchParams with `+` written as `%20` (shopify-api's ProcessedQuery),
    which leaves `*-._` and alphanumerics alone.
    """

    def enc(text: str) -> str:
        return quote(text, safe="*").replace("~", "%7E")

    pairs = sorted((k, v) for k, v in params.items() if k not in {"hmac", "signature"})
    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs)


def query_hmac(params: Mapping[str, str], secret: str) -> str:
    message = admin_query_message(params).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """Params plus their `hmac`, in the order Shopify sends them (alphabetical)."""
    signed = dict(params, hmac=query_hmac(params, secret))
    return urlencode(sorted(signed.items()), quote_via=quote)


def host_param(shop: str) -> str:
    """Base64 of `admin.shopify.com/store/<name>`, unpadded as in Shopify's `host` parameter."""
    raw = f"admin.shopify.com/store/{shop_name(shop)}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


def shop_name(shop: str) -> str:
    return shop.removesuffix(".myshopify.com")


def shop_domain(name: str) -> str:
    domain = name if name.endswith(".myshopify.com") else f"{name}.myshopify.com"
    if not SHOP_DOMAIN.match(domain):
        raise ValueError(f"not a myshopify shop: {name!r}")
    return domain


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _compact(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def encode_hs256(claims: dict[str, Any], secret: str) -> str:
    """A compact HS256 JWT, byte-for-byte as PyJWT writes it.

    Signed here rather than with PyJWT, which warns about secrets shorter than 32 bytes, and the
    simulator has to accept whatever secret the app was given (fixtures use a short one).
    """
    signing_input = (
        f"{_b64url(_compact({'alg': 'HS256', 'typ': 'JWT'}))}.{_b64url(_compact(claims))}"
    )
    digest = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(digest)}"


def decode_hs256(token: str, secret: str) -> dict[str, Any]:
    """Claims of an HS256 token signed with `secret`; any other token is INVALID_SUBJECT."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(_unb64url(header_part))
        claims = json.loads(_unb64url(claims_part))
        signature = _unb64url(signature_part)
    except (ValueError, binascii.Error) as error:
        raise INVALID_SUBJECT from error
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise INVALID_SUBJECT
    signing_input = f"{header_part}.{claims_part}".encode()
    expected = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise INVALID_SUBJECT
    return claims


class SessionTokens:
    """Issues and checks App Bridge session tokens (HS256 with the app secret)."""

    def __init__(self, api_key: str, secret: str, now: Callable[[], datetime]) -> None:
        self.api_key = api_key
        self.secret = secret
        self.now = now

    def issue(self, record: ShopRecord, user_id: int | None = None) -> str:
        issued = int(self.now().timestamp())
        user = record.user(user_id)
        claims = {
            "iss": f"https://{record.domain}/admin",
            "dest": f"https://{record.domain}",
            "aud": self.api_key,
            "sub": str(user.id),
            "exp": issued + SESSION_TOKEN_TTL,
            "nbf": issued,
            "iat": issued,
            "jti": str(uuid.uuid4()),
            "sid": record.session_id,
        }
        return encode_hs256(claims, self.secret)

    def verify(self, token: str, shop: str) -> dict[str, Any]:
        """Claims of a token this simulator issued for `shop`, or INVALID_SUBJECT."""
        claims = decode_hs256(token, self.secret)
        now = self.now()
        leeway = timedelta(seconds=JWT_LEEWAY)
        try:
            expires = datetime.fromtimestamp(int(claims["exp"]), now.tzinfo)
            not_before = datetime.fromtimestamp(int(claims["nbf"]), now.tzinfo)
        except (KeyError, TypeError, ValueError) as error:
            raise INVALID_SUBJECT from error
        dest = f"https://{shop}"
        if (
            claims.get("aud") != self.api_key
            or claims.get("dest") != dest
            or claims.get("iss") != f"{dest}/admin"
            or now > expires + leeway
            or now < not_before - leeway
        ):
            raise INVALID_SUBJECT
        return claims


def _request_fields() -> dict[str, str]:
    """JSON or form body, with values as strings (`expiring: 1` and `"1"` mean the same)."""
    body = request.get_json(silent=True) if request.is_json else None
    source = body if isinstance(body, dict) else request.form.to_dict()
    return {str(k): "" if v is None else str(v) for k, v in source.items()}


class OAuthEndpoints:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def access_token(self, shop: str) -> tuple[Response, int]:
        try:
            grant = self._grant(shop, _request_fields())
        except GrantError as error:
            return jsonify(error.as_json()), error.status
        return jsonify(grant.as_json()), 200

    def _client_ok(self, fields: Mapping[str, str]) -> bool:
        config = self.sim.config
        accepted = [s for s in (config.api_secret, config.previous_api_secret) if s]
        given = fields.get("client_secret", "").encode()
        same_secret = any(hmac.compare_digest(given, s.encode()) for s in accepted)
        return fields.get("client_id") == config.api_key and same_secret

    def _grant(self, shop: str, fields: Mapping[str, str]) -> TokenGrant:
        if not SHOP_DOMAIN.match(shop) or not self._client_ok(fields):
            raise INVALID_CLIENT
        if not self.sim.registry.is_installed(shop):
            raise INVALID_CLIENT
        registry = self.sim.registry
        grant_type = fields.get("grant_type", "")
        expiring = fields.get("expiring", "0") in {"1", "true", "True"}
        if grant_type == "refresh_token":
            return registry.refresh(shop, fields.get("refresh_token", ""))
        if grant_type == TOKEN_EXCHANGE:
            return self._exchange(shop, fields, expiring=expiring)
        if "code" in fields and grant_type in {"", "authorization_code"}:
            return registry.redeem_code(shop, fields["code"], expiring=expiring)
        raise GrantError("unsupported_grant_type", f"Unsupported grant type: {grant_type!r}")

    def _exchange(self, shop: str, fields: Mapping[str, str], *, expiring: bool) -> TokenGrant:
        requested = fields.get("requested_token_type", "")
        subject_type = fields.get("subject_token_type", "")
        subject = fields.get("subject_token", "")
        if requested not in {OFFLINE_TYPE, ONLINE_TYPE}:
            raise GrantError("invalid_request", f"Invalid requested_token_type: {requested!r}")
        if subject_type == OFFLINE_TYPE and requested == OFFLINE_TYPE and expiring:
            return self.sim.registry.migrate(shop, subject)
        if subject_type != ID_TOKEN_TYPE:
            raise INVALID_SUBJECT
        claims = self.sim.session_tokens.verify(subject, shop)
        mode: Mode = "online" if requested == ONLINE_TYPE else "offline"
        return self.sim.registry.issue(shop, mode, expiring=expiring, user_id=claims.get("sub"))

    def authorize(self, shop: str) -> Response | tuple[str, int]:
        config = self.sim.config
        args = request.args
        if not SHOP_DOMAIN.match(shop):
            return "Oauth error invalid_request: The shop is not a myshopify domain", 400
        if args.get("client_id") != config.api_key:
            missing = args.get("client_id", "")
            return f"Oauth error invalid_request: Could not find API application {missing}", 400
        redirect_uri = args.get("redirect_uri", "")
        if not _under(redirect_uri, config.app_url):
            return "Oauth error invalid_request: The redirect_uri is not whitelisted", 400
        scopes = tuple(s for s in args.get("scope", "").split(",") if s) or config.scopes
        self.sim.install(shop, scopes)
        online = "per-user" in args.getlist("grant_options[]")
        code = self.sim.registry.create_code(shop, "online" if online else "offline")
        params = {
            "code": code,
            "host": host_param(shop),
            "shop": shop,
            "timestamp": str(int(self.sim.clock.now().timestamp())),
        }
        if "state" in args:
            params["state"] = args["state"]
        separator = "&" if urlsplit(redirect_uri).query else "?"
        query = signed_query(params, config.api_secret)
        return redirect(f"{redirect_uri}{separator}{query}", 302)


def _under(url: str, base: str) -> bool:
    target, root = urlsplit(url), urlsplit(base)
    if (target.scheme, target.netloc) != (root.scheme, root.netloc):
        return False
    prefix = root.path.rstrip("/")
    return target.path == prefix or target.path.startswith(prefix + "/")


def register_auth(app: Flask, sim: Simulator) -> None:
    endpoints = OAuthEndpoints(sim)
    app.add_url_rule(
        "/shops/<shop>/admin/oauth/access_token",
        endpoint="shopify_sim_access_token",
        view_func=endpoints.access_token,
        methods=["POST"],
    )
    app.add_url_rule(
        "/shops/<shop>/admin/oauth/authorize",
        endpoint="shopify_sim_authorize",
        view_func=endpoints.authorize,
        methods=["GET"],
    )
