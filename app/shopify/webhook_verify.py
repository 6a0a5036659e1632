"""Shopify webhook deliveries, verified: headers in either style, HMAC over the raw body.

Pure: no Flask, no database. `verify_delivery(headers, body, secrets)` either returns a
`Delivery` or raises `WebhookRejected` with the HTTP status to answer:

- 401 for anything that is not provably from Shopify: a required header missing (or the two
  header styles disagreeing), or an HMAC that matches neither the current nor the previous
  client secret. Nothing about the body is looked at before the HMAC matched.
- 400 for a verified delivery that is malformed: a shop domain that is not a myshopify.com
  host, a webhook id we cannot store, or a body that is not a JSON object.

Shopify sends `X-Shopify-*` headers for webhooks and `shopify-*` ones for Events deliveries;
both are accepted, case-insensitively (HTTP/2 lowercases names). shopifyapp's
`verify_webhook_req` does the HMAC part too, but over a *decoded string* body and with 400 for a
missing HMAC, so the bytes-level check lives here; a unit test keeps the two in agreement.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from app.shopify.domains import is_shop_domain

# WebhookEvent.webhook_id is String(128); Shopify sends UUIDs.
WEBHOOK_ID_RE: Final = re.compile(r"^[\x21-\x7e]{1,128}$")
TOPIC_RE: Final = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)+$")
API_VERSION_RE: Final = re.compile(r"^[A-Za-z0-9-]{1,16}$")
HEADER_PREFIXES: Final = ("x-shopify-", "shopify-")
REQUIRED_FIELDS: Final = ("topic", "hmac-sha256", "shop-domain", "webhook-id", "api-version")
OPTIONAL_FIELDS: Final = ("event-id", "triggered-at")
# Nanosecond timestamps ("2026-07-01T12:00:00.123456789Z") are cut to microseconds.
_TRIGGERED_AT_RE: Final = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$"
)


class WebhookRejected(Exception):
    """The delivery is refused; `status` is the HTTP answer, `reason` a short code for logs."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(f"webhook rejected ({status} {reason}){': ' + detail if detail else ''}")
        self.status = status
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Delivery:
    """One verified delivery: its headers, typed, and its JSON object payload."""

    topic: str
    shop_domain: str
    webhook_id: str
    api_version: str
    event_id: str | None
    triggered_at: datetime | None
    payload: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not is_shop_domain(self.shop_domain):
            raise ValueError(f"shop domain {self.shop_domain!r} is not a myshopify.com host")
        if not WEBHOOK_ID_RE.match(self.webhook_id):
            raise ValueError(f"webhook id {self.webhook_id!r} is not 1-128 printable characters")
        if not TOPIC_RE.match(self.topic):
            raise ValueError(f"topic {self.topic!r} is not a Shopify topic like products/update")
        if self.triggered_at is not None and self.triggered_at.tzinfo is None:
            raise ValueError(f"triggered_at {self.triggered_at!r} must be timezone-aware")


def body_hmac(body: bytes, secret: str) -> str:
    """Base64 HMAC-SHA256 of the exact body bytes, as Shopify puts in X-Shopify-Hmac-Sha256."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def hmac_matches(body: bytes, signature: str, secrets: Iterable[str]) -> bool:
    """Constant-time comparison of the decoded signature against each non-empty secret."""
    try:
        received = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    matched = False
    for secret in secrets:
        if secret:
            expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
            # No early exit: each secret costs the same whether or not an earlier one matched.
            matched |= hmac.compare_digest(expected, received)
    return matched


HeaderItems = Mapping[str, str] | Iterable[tuple[str, str]]


def shopify_headers(headers: HeaderItems) -> dict[str, str]:
    """The Shopify fields of `headers` by lowercase name without prefix (`topic`, ...).

    Raises 401 when the two header styles carry different values for the same field: only a
    forwarding proxy gone wrong or a forger produces that, and neither is to be trusted.
    """
    fields: dict[str, str] = {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in items:
        lowered = name.lower()
        for prefix in HEADER_PREFIXES:
            if lowered.startswith(prefix):
                field = lowered.removeprefix(prefix)
                if field in fields and fields[field] != value:
                    raise WebhookRejected(401, "conflicting_headers", field)
                fields[field] = value
    return fields


def parse_triggered_at(value: str) -> datetime:
    """Shopify's Triggered-At (RFC 3339, up to nanoseconds) as an aware UTC datetime."""
    match = _TRIGGERED_AT_RE.match(value.strip())
    if match is None:
        raise ValueError(f"Triggered-At {value!r} is not an RFC 3339 timestamp")
    seconds, fraction, zone = match.groups()
    micro = (fraction or "").ljust(6, "0")[:6]
    offset = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(f"{seconds}.{micro}{offset}").astimezone(UTC)


def verify_delivery(headers: HeaderItems, body: bytes, secrets: Iterable[str]) -> Delivery:
    """Check a webhook request and return the delivery, or raise `WebhookRejected`."""
    fields = shopify_headers(headers)
    missing = [name for name in REQUIRED_FIELDS if not fields.get(name, "").strip()]
    if missing:
        raise WebhookRejected(401, "missing_headers", ", ".join(missing))
    if not hmac_matches(body, fields["hmac-sha256"], secrets):
        raise WebhookRejected(401, "invalid_hmac")
    payload = parse_payload(body)
    try:
        return Delivery(
            topic=fields["topic"].strip(),
            shop_domain=fields["shop-domain"].strip(),
            webhook_id=fields["webhook-id"].strip(),
            api_version=_api_version(fields["api-version"]),
            event_id=fields.get("event-id", "").strip() or None,
            triggered_at=_triggered_at(fields.get("triggered-at")),
            payload=payload,
        )
    except ValueError as error:
        raise WebhookRejected(400, "invalid_headers", str(error)) from None


def parse_payload(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, strictly: UTF-8, no NaN/Infinity; else 400 `invalid_json`."""
    try:
        # RFC 8259: JSON between systems is UTF-8; json.loads(bytes) would also guess UTF-16/32.
        payload = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise WebhookRejected(400, "invalid_json", str(error)) from None
    except RecursionError:
        raise WebhookRejected(400, "invalid_json", "nested deeper than JSON allows here") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "invalid_json", f"body is a JSON {type(payload).__name__}")
    return payload


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _api_version(value: str) -> str:
    version = value.strip()
    if not API_VERSION_RE.match(version):
        raise ValueError(f"API version {version!r} is not like 2026-10 or unstable")
    return version


def _triggered_at(value: str | None) -> datetime | None:
    return parse_triggered_at(value) if value and value.strip() else None
