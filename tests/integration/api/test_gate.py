"""The session-token gate in front of every /api route."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from app.api.auth import RETRY_HEADER, current_session, session_required
from tests.integration.factories import installed
from tests.support import session_token


@pytest.fixture
def gated_app(app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """A fresh app with one extra gated route that reports who the gate says is calling."""
    fresh = make_app()

    @session_required
    def whoami() -> ResponseReturnValue:
        session = current_session()
        return jsonify(shop=session.shop.domain, user=session.user_id)

    # On the api blueprint's error handling path: register it as the blueprint would.
    fresh.add_url_rule("/api/_test/whoami", "api.whoami", whoami)
    return fresh


def call(app: Flask, token: str | None) -> tuple[int, dict[str, object], dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = app.test_client().get("/api/_test/whoami", headers=headers)
    return response.status_code, response.get_json(), dict(response.headers)


def test_a_valid_token_resolves_its_shop_and_user(gated_app: Flask) -> None:
    installed("a.myshopify.com")
    status, body, _ = call(gated_app, session_token("a.myshopify.com", now=time.time()))
    assert status == 200
    assert body == {"shop": "a.myshopify.com", "user": "42"}


def test_shop_a_token_only_ever_sees_shop_a(gated_app: Flask) -> None:
    installed("a.myshopify.com")
    installed("b.myshopify.com")
    _, body, _ = call(gated_app, session_token("b.myshopify.com", now=time.time()))
    assert body["shop"] == "b.myshopify.com"


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (None, "missing_session_token"),
        ("", "missing_session_token"),
        ("not-a-jwt", "invalid_session_token"),
        (
            session_token("a.myshopify.com", now=time.time(), secret="x" * 32),
            "invalid_session_token",
        ),
        (session_token("a.myshopify.com", now=time.time() - 120), "invalid_session_token"),
        (session_token("a.myshopify.com", now=time.time(), aud="other"), "invalid_session_token"),
    ],
)
def test_bad_tokens_get_401_with_the_retry_header(
    gated_app: Flask, token: str | None, code: str
) -> None:
    installed("a.myshopify.com")
    status, body, headers = call(gated_app, token)
    assert status == 401
    assert body["error"]["code"] == code  # type: ignore[index]
    assert headers[RETRY_HEADER] == "1"
    assert "Set-Cookie" not in headers
