"""The authorization code grant end to end against the simulator, and its refusals."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from simulators.shopify.auth import signed_query
from tests.support import TEST_SHOPIFY_API_KEY, TEST_SHOPIFY_API_SECRET

from .conftest import APP_URL, LiveSimulator

SHOP = "demo.myshopify.com"


def _start(client: FlaskClient, shopify_sim: LiveSimulator) -> str:
    answer = client.get(f"/auth/install?shop={SHOP}", base_url=APP_URL)
    assert answer.status_code == 302
    authorize = answer.headers["Location"]
    assert authorize.startswith(f"{shopify_sim.url}/shops/{SHOP}/admin/oauth/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["client_id"] == [TEST_SHOPIFY_API_KEY]
    assert query["scope"] == ["write_products,write_inventory,read_locations"]
    assert query["redirect_uri"] == [f"{APP_URL}/auth/callback"]
    cookie = answer.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/auth"):
        assert attribute in cookie
    return authorize


def _approve(authorize: str) -> str:
    """The merchant clicks Install: the simulator redirects to the callback."""
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"


def test_install_from_outside_the_admin(pb: Flask, shopify_sim: LiveSimulator) -> None:
    client = pb.test_client()
    callback = _approve(_start(client, shopify_sim))
    answer = client.get(callback, base_url=APP_URL)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"] == f"{shopify_sim.url}/store/demo/apps/{TEST_SHOPIFY_API_KEY}"
    assert "pricebridge_oauth_state=;" in answer.headers["Set-Cookie"]  # the nonce is used up
    shop = db.session.scalar(select(Shop).where(Shop.domain == SHOP))
    assert shop is not None
    assert shop.is_installed
    assert shop.access_token_expires_at is not None
    assert shop.refresh_token is not None
    assert shopify_sim.sim.registry.authorize(SHOP, shop.access_token or "")
    replay = client.get(callback, base_url=APP_URL)
    assert replay.status_code == 403


def test_a_callback_in_another_browser_is_refused(pb: Flask, shopify_sim: LiveSimulator) -> None:
    callback = _approve(_start(pb.test_client(), shopify_sim))
    answer = pb.test_client().get(callback, base_url=APP_URL)  # no state cookie
    assert answer.status_code == 403
    assert db.session.scalar(select(Shop).where(Shop.domain == SHOP)) is None


def test_a_state_started_for_another_shop_is_refused(pb: Flask, shopify_sim: LiveSimulator) -> None:
    client = pb.test_client()
    _start(client, shopify_sim)
    params = {"code": "x", "shop": "other.myshopify.com", "state": "guess"}
    params["timestamp"] = str(int(time.time()))
    answer = client.get(
        f"/auth/callback?{signed_query(params, TEST_SHOPIFY_API_SECRET)}", base_url=APP_URL
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        lambda q: q.update(code="tampered"),
        lambda q: q.update(hmac="0" * 64),
        lambda q: q.pop("hmac"),
        lambda q: q.update(timestamp="1337178173"),
    ],
    ids=["tampered", "wrong hmac", "missing hmac", "old timestamp"],
)
def test_a_callback_query_not_signed_by_shopify_is_refused(
    pb: Flask, shopify_sim: LiveSimulator, change: object
) -> None:
    client = pb.test_client()
    callback = _approve(_start(client, shopify_sim))
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    change(query)  # type: ignore[operator]
    answer = client.get(f"/auth/callback?{urlencode(query)}", base_url=APP_URL)
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "shop",
    ["", "evil.com", "shop.myshopify.com.evil.com", "-x.myshopify.com", "SHOP.myshopify.com"],
)
def test_bad_shops_cannot_start_an_install(pb: Flask, shop: str) -> None:
    answer = pb.test_client().get(f"/auth/install?{urlencode({'shop': shop})}", base_url=APP_URL)
    assert answer.status_code == 400
    assert "Set-Cookie" not in answer.headers


def test_inside_the_iframe_the_install_escapes_to_the_top(
    pb: Flask, shopify_sim: LiveSimulator
) -> None:
    params = {"embedded": "1", "shop": SHOP, "timestamp": str(int(time.time()))}
    answer = pb.test_client().get(
        f"/auth/install?{signed_query(params, TEST_SHOPIFY_API_SECRET)}", base_url=APP_URL
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f'window.open("{APP_URL}/auth/install?shop={SHOP}", "_top")' in html
    assert answer.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com {shopify_sim.url}"
    )
    assert "Set-Cookie" not in answer.headers
    unsigned = pb.test_client().get(f"/auth/install?shop={SHOP}&embedded=1", base_url=APP_URL)
    assert unsigned.status_code == 400
