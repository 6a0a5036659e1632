"""Shopify session tokens (App Bridge ID tokens): HS256 JWTs signed with the client secret.

Verified with the standard library so that every rule is explicit: alg HS256 only, signature
in constant time, `exp`/`nbf` with 10 s leeway, `aud` equal to the client id, `dest` a
myshopify.com host and `iss` that host's /admin.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from app.shopify.domains import is_shop_domain

LEEWAY_SECONDS: Final = 10


class InvalidSessionToken(ValueError):
    """The token is not a valid session token for this app; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid session token: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class SessionClaims:
    shop: str
    user_id: str | None
    session_id: str | None
    expires_at: int
    claims: Mapping[str, Any]


def _b64decode(segment: str) -> bytes:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidSessionToken("malformed base64") from None


def _json_segment(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment))
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError and UnicodeDecodeError; RecursionError is JSON
        # nested deeper than the interpreter's recursion limit.
        raise InvalidSessionToken("malformed JSON") from None
    if not isinstance(value, dict):
        raise InvalidSessionToken("segment is not a JSON object")
    return value


def _number(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidSessionToken(f"missing or non-numeric {name}")
    return value


def _shop_of(url: object, claim: str) -> str:
    if not isinstance(url, str):
        raise InvalidSessionToken(f"missing {claim}")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not is_shop_domain(host):
        raise InvalidSessionToken(f"{claim} is not a myshopify.com shop")
    return host


def verify_session_token(token: str, *, api_key: str, api_secret: str, now: float) -> SessionClaims:
    """Return the token's claims, or raise InvalidSessionToken with the reason."""
    if not token.isascii():
        # A JWT is base64url segments joined by dots: ASCII by construction.
        raise InvalidSessionToken("not ASCII")
    segments = token.split(".")
    if len(segments) != 3 or not all(segments[:2]):
        raise InvalidSessionToken("not a JWT")
    header = _json_segment(segments[0])
    if header.get("alg") != "HS256":
        raise InvalidSessionToken(f"algorithm {header.get('alg')!r} refused; HS256 only")
    expected = hmac.new(
        api_secret.encode(), f"{segments[0]}.{segments[1]}".encode("ascii"), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(expected, _b64decode(segments[2])):
        raise InvalidSessionToken("signature mismatch")
    claims = _json_segment(segments[1])
    expires_at = _number(claims, "exp")
    if now > expires_at + LEEWAY_SECONDS:
        raise InvalidSessionToken("expired")
    if now < _number(claims, "nbf") - LEEWAY_SECONDS:
        raise InvalidSessionToken("not valid yet (nbf)")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if api_key not in audiences:
        raise InvalidSessionToken("audience is not this app")
    shop = _shop_of(claims.get("dest"), "dest")
    issuer = claims.get("iss")
    if _shop_of(issuer, "iss") != shop or urlsplit(str(issuer)).path.rstrip("/") != "/admin":
        raise InvalidSessionToken("iss and dest disagree")
    user = claims.get("sub")
    session = claims.get("sid")
    return SessionClaims(
        shop=shop,
        user_id=str(user) if isinstance(user, str | int) and user != "" else None,
        session_id=str(session) if isinstance(session, str) else None,
        expires_at=expires_at,
        claims=claims,
    )
