"""The token endpoint calls (shopifyapp + our migration) against canned answers, and error types."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.shopify.tokens import (
    AuthFailed,
    InvalidSubjectToken,
    Retryable,
    Revoked,
    ShopifyTokenError,
    ShopifyTokens,
    TokenGrant,
    error_for,
)
from tests.support import load_fixture, make_env

EXAMPLES = load_fixture("shopify/token_exchange_examples.json")
SHOP = "demo.myshopify.com"
ORIGIN = "http://127.0.0.1:9/shops/{shop}"
ENDPOINT = "http://127.0.0.1:9/shops/demo.myshopify.com/admin/oauth/access_token"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CLAIMS = {"dest": f"https://{SHOP}", "iss": f"https://{SHOP}/admin", "sub": "1"}


class Recorder:
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.body, Exception):
            raise self.body
        return httpx.Response(self.status, json=self.body)

    @property
    def sent(self) -> dict[str, Any]:
        assert str(self.requests[-1].url) == ENDPOINT
        return dict(json.loads(self.requests[-1].content))


def _tokens(tmp_path: Path, recorder: Recorder) -> ShopifyTokens:
    settings = Settings.from_env(make_env(tmp_path, SHOPIFY_ADMIN_ORIGIN=ORIGIN))
    return ShopifyTokens(settings, transport=httpx.MockTransport(recorder))


GRANT = EXAMPLES["example_offline_expiring_response"]


def test_exchange_asks_for_an_expiring_offline_token(tmp_path: Path) -> None:
    recorder = Recorder(200, GRANT)
    grant = _tokens(tmp_path, recorder).exchange(SHOP, CLAIMS, "the.session.token")
    expected = dict(EXAMPLES["token_exchange_request"])
    expected.update(
        client_id="test-client-id",
        client_secret="test-client-secret",
        subject_token="the.session.token",
    )
    assert recorder.sent == expected
    assert grant.access_token == GRANT["access_token"]
    assert grant.refresh_token == GRANT["refresh_token"]
    assert grant.scopes == ("write_products", "write_inventory")
    assert grant.expires_at is not None
    assert timedelta(minutes=59) < grant.expires_at - datetime.now(UTC) <= timedelta(hours=1)


def test_refresh_sends_the_refresh_token_even_before_expiry(tmp_path: Path) -> None:
    recorder = Recorder(200, GRANT)
    grant = _tokens(tmp_path, recorder).refresh(SHOP, "shprt_old", now=datetime.now(UTC))
    expected = dict(EXAMPLES["refresh_request"])
    expected.update(
        client_id="test-client-id", client_secret="test-client-secret", refresh_token="shprt_old"
    )
    assert recorder.sent == expected
    assert grant.refresh_token == GRANT["refresh_token"]


def test_migration_exchanges_the_non_expiring_token(tmp_path: Path) -> None:
    recorder = Recorder(200, GRANT)
    grant = _tokens(tmp_path, recorder).migrate(SHOP, "shpat_forever", now=NOW)
    expected = dict(EXAMPLES["migrate_non_expiring_to_expiring_request"])
    expected.update(
        client_id="test-client-id",
        client_secret="test-client-secret",
        subject_token="shpat_forever",
    )
    assert recorder.sent == expected
    assert grant.expires_at == NOW + timedelta(seconds=3600)
    assert grant.refresh_token_expires_at == NOW + timedelta(seconds=2592000)


def _error(code: str) -> dict[str, str]:
    return {"error": code, "error_description": "whatever"}


Call = Callable[[ShopifyTokens], object]
EXCHANGE: Call = lambda t: t.exchange(SHOP, CLAIMS, "tok")  # noqa: E731
REFRESH: Call = lambda t: t.refresh(SHOP, "shprt", now=datetime.now(UTC))  # noqa: E731
MIGRATE: Call = lambda t: t.migrate(SHOP, "shpat", now=NOW)  # noqa: E731


@pytest.mark.parametrize(
    ("call", "status", "body", "error"),
    [
        (EXCHANGE, 400, EXAMPLES["error_example"]["body"], InvalidSubjectToken),
        (EXCHANGE, 401, _error("invalid_client"), Revoked),
        (EXCHANGE, 502, {}, Retryable),
        (EXCHANGE, 400, _error("invalid_request"), ShopifyTokenError),
        (REFRESH, 400, _error("invalid_grant"), AuthFailed),
        (REFRESH, 401, _error("invalid_client"), Revoked),
        (REFRESH, 503, {}, Retryable),
        (REFRESH, 429, {}, Retryable),
        (MIGRATE, 400, _error("invalid_subject_token"), InvalidSubjectToken),
        (MIGRATE, 401, _error("invalid_client"), Revoked),
        (MIGRATE, 500, {}, Retryable),
    ],
)
def test_failures_become_typed_errors(
    tmp_path: Path, call: Call, status: int, body: Any, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        call(_tokens(tmp_path, Recorder(status, body)))
    assert type(raised.value) is error


@pytest.mark.parametrize("call", [EXCHANGE, REFRESH, MIGRATE])
def test_network_failures_are_retryable(tmp_path: Path, call: Call) -> None:
    with pytest.raises(Retryable):
        call(_tokens(tmp_path, Recorder(0, httpx.ConnectError("refused"))))


def test_error_hierarchy() -> None:
    assert issubclass(Revoked, AuthFailed)
    assert isinstance(error_for(SHOP, "refresh_token_expired", "", 401), AuthFailed)


def test_grant_validation_names_the_problem() -> None:
    with pytest.raises(ValueError, match="access_token is empty"):
        TokenGrant(shop=SHOP, access_token="")
    with pytest.raises(ValueError, match="comes with a refresh token"):
        TokenGrant(shop=SHOP, access_token="t", expires_at=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        TokenGrant(
            shop=SHOP, access_token="t", expires_at=NOW.replace(tzinfo=None), refresh_token="r"
        )
    with pytest.raises(ValueError, match="not a"):
        TokenGrant(shop="evil.com", access_token="t")
    with pytest.raises(ShopifyTokenError, match="expires_in"):
        TokenGrant.from_response(SHOP, {"access_token": "t", "expires_in": "soon"}, now=NOW)


def test_a_non_expiring_grant() -> None:
    grant = TokenGrant.from_response(SHOP, {"access_token": "shpat", "scope": "a,b"}, now=NOW)
    assert grant.expires_at is None
    assert grant.refresh_token is None
    assert grant.scopes == ("a", "b")
