from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from shopify_app.verify.webhook import verify_webhook_req

from app.shopify.webhook_verify import (
    Delivery,
    WebhookRejected,
    body_hmac,
    hmac_matches,
    parse_triggered_at,
    shopify_headers,
    verify_delivery,
)
from tests.support import SHOPIFY_SIM_DATA, TEST_SHOPIFY_API_SECRET, load_fixture

VECTORS: list[dict[str, Any]] = load_fixture("shopify/webhook_hmac_vectors.json")["vectors"]
EXAMPLE_HEADERS: dict[str, str] = load_fixture("shopify/webhook_hmac_vectors.json")[
    "example_headers"
]
SHOP = "test-shop.myshopify.com"
SECRETS = (TEST_SHOPIFY_API_SECRET,)


def body_of(vector: dict[str, Any]) -> bytes:
    return (SHOPIFY_SIM_DATA / str(vector["file"])).read_bytes()


def headers_for(
    vector: dict[str, Any], *, style: str = "x-shopify", **changes: str | None
) -> dict[str, str]:
    fields = {
        "Topic": vector["topic"],
        "Hmac-Sha256": vector["x_shopify_hmac_sha256"],
        "Shop-Domain": SHOP,
        "API-Version": vector["api_version"],
        "Webhook-Id": EXAMPLE_HEADERS["X-Shopify-Webhook-Id"],
        "Event-Id": EXAMPLE_HEADERS["X-Shopify-Event-Id"],
        "Triggered-At": EXAMPLE_HEADERS["X-Shopify-Triggered-At"],
    }
    for name, value in changes.items():
        key = name.replace("_", "-")
        match = next(k for k in fields if k.lower() == key.lower())
        if value is None:
            del fields[match]
        else:
            fields[match] = value
    prefix = "X-Shopify-" if style == "x-shopify" else "shopify-"
    named = {
        f"{prefix}{k}" if style == "x-shopify" else f"{prefix}{k.lower()}": v
        for k, v in fields.items()
    }
    return {"Content-Type": "application/json", **named}


def rejection(
    headers: dict[str, str], body: bytes, secrets: tuple[str, ...] = SECRETS
) -> WebhookRejected:
    with pytest.raises(WebhookRejected) as caught:
        verify_delivery(headers, body, secrets)
    return caught.value


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["topic"])
@pytest.mark.parametrize("style", ["x-shopify", "shopify"])
def test_every_fixture_payload_verifies_in_both_header_styles(
    vector: dict[str, Any], style: str
) -> None:
    body = body_of(vector)
    delivery = verify_delivery(headers_for(vector, style=style), body, SECRETS)
    assert delivery.topic == vector["topic"]
    assert delivery.shop_domain == SHOP
    assert delivery.webhook_id == "b54557e4-8b5f-4e7b-9f1b-5a5e3f2f1a10"
    assert delivery.event_id == "98880550-7158-44d4-b7cd-2c97c8a091b5"
    assert delivery.api_version == "2026-07"
    assert delivery.triggered_at == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert delivery.payload == json.loads(body)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["topic"])
def test_body_hmac_reproduces_the_vectors_and_agrees_with_shopifyapp(
    vector: dict[str, Any],
) -> None:
    body = body_of(vector)
    assert body_hmac(body, vector["client_secret"]) == vector["x_shopify_hmac_sha256"]
    verdict = verify_webhook_req(
        {
            "method": "POST",
            "headers": headers_for(vector),
            "url": "https://app.test/webhooks",
            "body": body.decode(),
        },
        {
            "client_id": "test-client-id",
            "client_secret": TEST_SHOPIFY_API_SECRET,
            "old_client_secret": None,
        },
    )
    assert verdict.ok


def test_a_tampered_body_is_401() -> None:
    vector = VECTORS[0]
    body = body_of(vector).replace(b'"price":"19.99"', b'"price":"0.01"', 1)
    assert body != body_of(vector)
    rejected = rejection(headers_for(vector), body)
    assert (rejected.status, rejected.reason) == (401, "invalid_hmac")


def test_one_trailing_byte_is_enough_to_fail() -> None:
    vector = VECTORS[1]
    assert rejection(headers_for(vector), body_of(vector) + b"\n").status == 401


def test_the_wrong_secret_is_401_and_the_previous_secret_is_accepted_during_rotation() -> None:
    vector = VECTORS[0]
    body = body_of(vector)
    assert rejection(headers_for(vector), body, ("new-secret",)).status == 401
    delivery = verify_delivery(headers_for(vector), body, ("new-secret", TEST_SHOPIFY_API_SECRET))
    assert delivery.topic == "products/update"


def test_an_empty_previous_secret_never_matches_an_empty_key_signature() -> None:
    body = b"{}"
    signature = body_hmac(body, "")
    assert not hmac_matches(body, signature, ("real-secret", ""))


@pytest.mark.parametrize(
    "signature", ["", "not base64!", "AAAA", body_hmac(b"{}", TEST_SHOPIFY_API_SECRET)[:-4]]
)
def test_malformed_or_truncated_signatures_do_not_match(signature: str) -> None:
    assert not hmac_matches(b"{}", signature, SECRETS)


def test_a_hex_signature_of_the_right_digest_is_refused() -> None:
    # Shopify's webhook HMAC is base64; hex (the OAuth query style) must not be accepted.
    import hashlib
    import hmac

    hex_signature = hmac.new(TEST_SHOPIFY_API_SECRET.encode(), b"{}", hashlib.sha256).hexdigest()
    assert not hmac_matches(b"{}", hex_signature, SECRETS)


@pytest.mark.parametrize(
    "missing", ["Topic", "Hmac-Sha256", "Shop-Domain", "Webhook-Id", "API-Version"]
)
@pytest.mark.parametrize("style", ["x-shopify", "shopify"])
def test_each_missing_required_header_is_401(missing: str, style: str) -> None:
    vector = VECTORS[1]
    rejected = rejection(headers_for(vector, style=style, **{missing: None}), body_of(vector))
    assert (rejected.status, rejected.reason) == (401, "missing_headers")
    assert missing.lower() in rejected.detail


def test_a_blank_header_counts_as_missing() -> None:
    vector = VECTORS[1]
    assert (
        rejection(headers_for(vector, Webhook_Id="  "), body_of(vector)).reason == "missing_headers"
    )


def test_event_id_and_triggered_at_are_optional() -> None:
    vector = VECTORS[1]
    headers = headers_for(vector, Event_Id=None, Triggered_At=None)
    delivery = verify_delivery(headers, body_of(vector), SECRETS)
    assert delivery.event_id is None
    assert delivery.triggered_at is None


def test_header_names_are_case_insensitive_and_styles_may_mix() -> None:
    vector = VECTORS[1]
    headers = {k.upper() if "Topic" in k else k.lower(): v for k, v in headers_for(vector).items()}
    headers["shopify-event-id"] = headers.pop("x-shopify-event-id")
    delivery = verify_delivery(headers, body_of(vector), SECRETS)
    assert delivery.topic == "app/uninstalled"
    assert delivery.event_id == "98880550-7158-44d4-b7cd-2c97c8a091b5"


def test_the_two_styles_disagreeing_is_401() -> None:
    vector = VECTORS[1]
    headers = headers_for(vector)
    headers["shopify-shop-domain"] = "other-shop.myshopify.com"
    rejected = rejection(headers, body_of(vector))
    assert (rejected.status, rejected.reason) == (401, "conflicting_headers")


def test_repeated_header_items_with_different_values_are_401() -> None:
    vector = VECTORS[1]
    items = [*headers_for(vector).items(), ("X-Shopify-Topic", "shop/redact")]
    with pytest.raises(WebhookRejected, match="conflicting_headers"):
        verify_delivery(items, body_of(vector), SECRETS)


def test_shopify_headers_ignores_other_headers() -> None:
    assert shopify_headers({"Content-Type": "x", "X-Shopify-Topic": "a/b", "X-Other": "y"}) == {
        "topic": "a/b"
    }


@pytest.mark.parametrize(
    "domain",
    [
        "evil.example.com",
        "test-shop.myshopify.com.evil.com",
        "Test-Shop.myshopify.com",
        "-x.myshopify.com",
        "shop.myshopify.com/admin",
    ],
)
def test_a_verified_delivery_from_a_non_myshopify_domain_is_400(domain: str) -> None:
    vector = VECTORS[1]
    rejected = rejection(headers_for(vector, Shop_Domain=domain), body_of(vector))
    assert (rejected.status, rejected.reason) == (400, "invalid_headers")
    assert domain in rejected.detail


def test_an_unverified_delivery_is_401_whatever_else_is_wrong() -> None:
    rejected = rejection(
        {
            "X-Shopify-Topic": "x",
            "X-Shopify-Hmac-Sha256": "AAAA",
            "X-Shopify-Shop-Domain": "evil.com",
            "X-Shopify-Webhook-Id": "1",
            "X-Shopify-API-Version": "v",
        },
        b"not json",
    )
    assert (rejected.status, rejected.reason) == (401, "invalid_hmac")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "Expecting value"),
        (b"[1, 2]", "JSON list"),
        (b"\xff\xfe{}", "decode"),
        (b"\xef\xbb\xbf{}", "BOM"),
        (b'{"price": NaN}', "NaN is not JSON"),
        (b'"text"', "JSON str"),
    ],
)
def test_a_verified_body_that_is_not_a_json_object_is_400(body: bytes, detail: str) -> None:
    headers = headers_for(VECTORS[1], Hmac_Sha256=body_hmac(body, TEST_SHOPIFY_API_SECRET))
    rejected = rejection(headers, body)
    assert (rejected.status, rejected.reason) == (400, "invalid_json")
    assert detail in rejected.detail


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Webhook_Id", "x" * 129),
        ("Webhook_Id", "has space"),
        ("Topic", "Products/Update"),
        ("Topic", "products"),
        ("API_Version", "2026-10; drop"),
        ("Triggered_At", "yesterday"),
    ],
)
def test_verified_deliveries_with_malformed_headers_are_400(name: str, value: str) -> None:
    vector = VECTORS[1]
    rejected = rejection(headers_for(vector, **{name: value}), body_of(vector))
    assert (rejected.status, rejected.reason) == (400, "invalid_headers")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-01T12:00:00.123456789Z", datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2026-07-01T12:00:00Z", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
        ("2026-07-01T08:00:00.5-04:00", datetime(2026, 7, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_triggered_at_parses_nanoseconds_and_offsets_to_utc(text: str, expected: datetime) -> None:
    parsed = parse_triggered_at(text)
    assert parsed == expected
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize(
    "text", ["", "2026-07-01", "2026-07-01T12:00:00", "2026-07-01T12:00:00.1234567890Z"]
)
def test_triggered_at_rejects_what_is_not_rfc3339(text: str) -> None:
    with pytest.raises(ValueError, match="Triggered-At"):
        parse_triggered_at(text)


def test_delivery_names_the_bad_value() -> None:
    with pytest.raises(ValueError, match=r"'nope\.com'"):
        Delivery("app/uninstalled", "nope.com", "id", "2026-10", None, None, {})
    with pytest.raises(ValueError, match="timezone-aware"):
        Delivery(
            "app/uninstalled",
            SHOP,
            "id",
            "2026-10",
            None,
            datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None),
            {},
        )
