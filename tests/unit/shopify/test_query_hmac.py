"""Query HMAC and shop domains, with Shopify's documented vectors and shopify-app-js's negatives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.shopify.domains import is_shop_domain
from app.shopify.query_hmac import (
    QueryVerificationError,
    shop_from_dest,
    sign_message,
    sign_query,
    signed_message,
    verify_query,
)
from tests.support import load_fixture

VECTORS = load_fixture("shopify/oauth_query_hmac_vectors.json")["vectors"]
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SECRET = "hush"


def _as_query(message: str) -> dict[str, list[str]]:
    return {k: [v] for k, v in (pair.split("=", 1) for pair in message.split("&"))}


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["hmac"][:8])
def test_documented_messages_sign_to_documented_hmacs(vector: dict[str, str]) -> None:
    assert sign_message(vector["message"], vector["secret"]) == vector["hmac"]


@pytest.mark.parametrize("vector", VECTORS[:3], ids=lambda v: v["hmac"][:8])
def test_query_parameters_give_the_documented_message(vector: dict[str, str]) -> None:
    params = _as_query(vector["message"])
    shuffled = dict(reversed(list(params.items())), hmac=[vector["hmac"]])
    assert signed_message((k, v[0]) for k, v in shuffled.items()) == vector["message"]
    then = datetime.fromtimestamp(int(params["timestamp"][0]), UTC)
    assert verify_query(shuffled, [SECRET], now=then) == "some-shop.myshopify.com"


def _fresh_query(**extra: str) -> dict[str, list[str]]:
    params = {
        "code": "abc",
        "shop": "some-shop.myshopify.com",
        "state": "nonce",
        "timestamp": str(int(NOW.timestamp())),
    }
    params.update(extra)
    params["hmac"] = sign_query(params, SECRET)
    return {k: [v] for k, v in params.items()}


def test_a_fresh_signed_query_verifies_with_any_configured_secret() -> None:
    assert verify_query(_fresh_query(), ["new-secret", SECRET], now=NOW) == (
        "some-shop.myshopify.com"
    )


def test_spaces_and_reserved_characters_are_percent_encoded() -> None:
    assert signed_message([("a b", "x&y=z"), ("hmac", "ignored")]) == "a%20b=x%26y%3Dz"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda q: q.update(code=["tampered"]), "does not match"),
        (lambda q: q.update(hmac=["0" * 64]), "does not match"),
        (lambda q: q.pop("hmac"), "no hmac"),
        (lambda q: q.update(hmac=[""]), "no hmac"),
        (lambda q: q.update(extra=["added"]), "does not match"),
        (lambda q: q.update(code=["abc", "abc"]), "appears 2 times"),
    ],
    ids=["tampered value", "wrong hmac", "missing hmac", "empty hmac", "added param", "repeated"],
)
def test_a_query_that_is_not_as_signed_is_refused(mutate: object, reason: str) -> None:
    query = _fresh_query()
    mutate(query)  # type: ignore[operator]
    with pytest.raises(QueryVerificationError, match=reason):
        verify_query(query, [SECRET], now=NOW)


def test_the_wrong_secret_is_refused() -> None:
    with pytest.raises(QueryVerificationError, match="does not match"):
        verify_query(_fresh_query(), ["not-the-secret"], now=NOW)


@pytest.mark.parametrize("skew", [timedelta(seconds=91), timedelta(seconds=-91), timedelta(days=1)])
def test_an_old_or_future_timestamp_is_refused(skew: timedelta) -> None:
    with pytest.raises(QueryVerificationError, match="from now"):
        verify_query(_fresh_query(), [SECRET], now=NOW + skew)


def test_the_timestamp_window_is_a_parameter() -> None:
    later = NOW + timedelta(hours=1)
    assert verify_query(_fresh_query(), [SECRET], now=later, max_age=timedelta(hours=2))


def test_a_non_numeric_timestamp_is_refused() -> None:
    with pytest.raises(QueryVerificationError, match="not a Unix time"):
        verify_query(_fresh_query(timestamp="soon"), [SECRET], now=NOW)


def test_a_correctly_signed_query_for_a_bad_shop_is_refused() -> None:
    with pytest.raises(QueryVerificationError, match="not a"):
        verify_query(_fresh_query(shop="evil.example.com"), [SECRET], now=NOW)


@pytest.mark.parametrize(
    "shop",
    [
        "shop1.myshopify.com",
        "my-shop.myshopify.com",
        "0-shop.myshopify.com",
    ],
)
def test_good_shop_domains(shop: str) -> None:
    assert is_shop_domain(shop)


# Negative cases of shopify-api-js sanitizeShop tests, plus ours (uppercase, lengths, types).
@pytest.mark.parametrize(
    "shop",
    [
        "",
        "myshop",
        "myshop.com",
        "myshopify.com",
        ".myshopify.com",
        "-shop.myshopify.com",
        "shop.myshopify.com.evil.com",
        "evil.com/shop.myshopify.com",
        "https://shop.myshopify.com",
        "shop.myshopify.com/",
        "shop.myshopify.io",
        "sh op.myshopify.com",
        "shop_1.myshopify.com",
        "Shop.myshopify.com",
        "shop.myshopify.com\n",
        "admin.shopify.com/store/shop",
        "a" * 250 + ".myshopify.com",
        None,
        42,
    ],
)
def test_bad_shop_domains(shop: object) -> None:
    assert not is_shop_domain(shop)


def test_shop_from_dest() -> None:
    assert shop_from_dest("https://a-shop.myshopify.com") == "a-shop.myshopify.com"
    for bad in ["http://a.myshopify.com", "https://evil.com", None, "a.myshopify.com"]:
        with pytest.raises(QueryVerificationError):
            shop_from_dest(bad)
