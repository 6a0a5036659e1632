"""The transport that sends Shopify calls to SHOPIFY_ADMIN_ORIGIN (httpx and requests)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import requests
import responses

from app.config import Settings
from app.shopify.http import (
    AdminOriginTransport,
    mount_shopify_adapter,
    rewrite_shop_url,
    shopify_http_client,
)
from tests.support import make_env

SIM = "http://127.0.0.1:8123/shops/{shop}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://a.myshopify.com/admin/oauth/access_token",
            "http://127.0.0.1:8123/shops/a.myshopify.com/admin/oauth/access_token",
        ),
        (
            "https://a.myshopify.com/admin/api/2026-10/graphql.json?x=1",
            "http://127.0.0.1:8123/shops/a.myshopify.com/admin/api/2026-10/graphql.json?x=1",
        ),
        ("https://example.com/admin", "https://example.com/admin"),
        ("http://a.myshopify.com/admin", "http://a.myshopify.com/admin"),
        ("https://a.myshopify.com.evil.test/admin", "https://a.myshopify.com.evil.test/admin"),
        ("https://a.myshopify.com:8443/admin", "https://a.myshopify.com:8443/admin"),
    ],
)
def test_only_shop_hosts_are_rewritten(url: str, expected: str) -> None:
    assert str(rewrite_shop_url(httpx.URL(url), SIM)) == expected


def test_the_default_origin_changes_nothing() -> None:
    url = httpx.URL("https://a.myshopify.com/admin/oauth/access_token")
    assert rewrite_shop_url(url, "https://{shop}") is url


def test_a_template_without_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        AdminOriginTransport("http://127.0.0.1:1/shops")


def test_httpx_requests_reach_the_origin_with_body_and_host(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    settings = Settings.from_env(make_env(tmp_path, SHOPIFY_ADMIN_ORIGIN=SIM))
    with shopify_http_client(settings, inner=httpx.MockTransport(answer)) as client:
        client.post("https://a.myshopify.com/admin/oauth/access_token", json={"k": "v"})
    (request,) = seen
    assert (
        str(request.url) == "http://127.0.0.1:8123/shops/a.myshopify.com/admin/oauth/access_token"
    )
    assert request.headers["host"] == "127.0.0.1:8123"
    assert json.loads(request.content) == {"k": "v"}


def test_httpx_logs_the_url_actually_called(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings.from_env(make_env(tmp_path, SHOPIFY_ADMIN_ORIGIN=SIM))
    inner = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    called = "http://127.0.0.1:8123/shops/demo.myshopify.com/admin/oauth/access_token"
    with (
        caplog.at_level(logging.INFO, logger="httpx"),
        shopify_http_client(settings, inner=inner) as client,
    ):
        response = client.post("https://demo.myshopify.com/admin/oauth/access_token", json={})
    [record] = [r for r in caplog.records if r.name == "httpx"]
    assert record.getMessage() == f'HTTP Request: POST {called} "HTTP/1.1 200 OK"'
    assert str(response.request.url) == called


@responses.activate
def test_requests_sessions_reach_the_origin(tmp_path: Path) -> None:
    target = "http://127.0.0.1:8123/shops/a.myshopify.com/admin/oauth/access_token"
    responses.post(target, json={"access_token": "t"})
    settings = Settings.from_env(make_env(tmp_path, SHOPIFY_ADMIN_ORIGIN=SIM))
    with mount_shopify_adapter(requests.Session(), settings) as session:
        answer = session.post("https://a.myshopify.com/admin/oauth/access_token", data={"a": "b"})
    assert answer.json() == {"access_token": "t"}
    assert responses.calls[0].request.url == target
    assert responses.calls[0].request.body == "a=b"
