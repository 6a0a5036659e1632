"""Shop domains and the HMAC Shopify puts on the queries it sends to the app.

Shopify signs the query of the OAuth callback and of app loads: hex HMAC-SHA256, keyed with the
client secret, over the parameters without `hmac` (and `signature`), sorted, written `k=v` and
joined by `&`, keys and values percent-encoded as URLSearchParams does with `%20` for spaces
(`@shopify/shopify-api` ProcessedQuery). Pure functions: time comes in as `now`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import quote

from app.shopify.domains import is_shop_domain

UNSIGNED: Final = frozenset({"hmac", "signature"})
# shopify-api v15 (lib/utils/hmac-validator.ts) allows 90 s of clock difference either way.
CALLBACK_MAX_AGE: Final = timedelta(seconds=90)


class QueryVerificationError(ValueError):
    """A query is not one Shopify signed for us (or no longer fresh); the message says why."""


def shop_domain(value: object) -> str:
    """`value` if it is a myshopify domain, else a QueryVerificationError naming it."""
    if not is_shop_domain(value):
        raise QueryVerificationError(f"shop {value!r} is not a *.myshopify.com domain")
    assert isinstance(value, str)
    return value


def shop_from_dest(dest: object) -> str:
    """The shop domain of a session token's `dest` (`https://<shop>.myshopify.com`)."""
    if not isinstance(dest, str) or not dest.startswith("https://"):
        raise QueryVerificationError(f"dest {dest!r} is not https://<shop>.myshopify.com")
    return shop_domain(dest.removeprefix("https://"))


def _encode(text: str) -> str:
    return quote(text, safe="*").replace("~", "%7E")


def signed_message(pairs: Iterable[tuple[str, str]]) -> str:
    """The string Shopify signs: sorted `k=v` pairs without hmac/signature, encoded, `&`-joined."""
    kept = sorted((k, v) for k, v in pairs if k not in UNSIGNED)
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in kept)


def sign_message(message: str, secret: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_query(params: Mapping[str, str], secret: str) -> str:
    """The hex HMAC of `params` (also how the app signs its own bounce-page query)."""
    return sign_message(signed_message(params.items()), secret)


def _single_values(params: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    pairs = []
    for key, values in params.items():
        if len(values) != 1:
            # Shopify's callback and app-load queries never repeat a key; refuse ambiguity.
            raise QueryVerificationError(f"query parameter {key!r} appears {len(values)} times")
        pairs.append((key, values[0]))
    return pairs


def verify_query(
    params: Mapping[str, Sequence[str]],
    secrets: Sequence[str],
    *,
    now: datetime,
    max_age: timedelta = CALLBACK_MAX_AGE,
) -> str:
    """Check the query's HMAC (any of `secrets`, constant time) and timestamp; return its shop.

    `params` maps each key to its values (werkzeug's `request.args.to_dict(flat=False)`).
    """
    pairs = _single_values(params)
    fields = dict(pairs)
    given = fields.get("hmac", "")
    if not given:
        raise QueryVerificationError("query has no hmac parameter")
    message = signed_message(pairs)
    if not any(
        hmac.compare_digest(given.encode(), sign_message(message, secret).encode())
        for secret in secrets
        if secret
    ):
        raise QueryVerificationError("query hmac does not match")
    _check_timestamp(fields.get("timestamp", ""), now=now, max_age=max_age)
    return shop_domain(fields.get("shop", ""))


def _check_timestamp(raw: str, *, now: datetime, max_age: timedelta) -> None:
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise QueryVerificationError(f"query timestamp {raw!r} is not a Unix time")
    skew = abs(now.timestamp() - int(raw))
    if skew > max_age.total_seconds():
        allowed = max_age.total_seconds()
        raise QueryVerificationError(
            f"query timestamp {raw} is {skew:.0f}s from now (at most {allowed:.0f}s)"
        )
