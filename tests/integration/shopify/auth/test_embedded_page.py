"""GET /app: patch-ID-token flow, first-open install, exact CSP, App Bridge first, no cookies."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from app.broker import current_broker
from app.extensions import db
from app.models import Shop
from app.realtime.events import publish_events
from app.shopify import embedded
from app.shopify.dashboard_assets import DashboardBuild
from simulators.shopify.admin import AdminPages
from simulators.shopify.auth import encode_hs256, signed_query
from tests.integration.factories import make_product
from tests.support import TEST_SHOPIFY_API_KEY, TEST_SHOPIFY_API_SECRET

from .conftest import APP_URL, LiveSimulator

SHOP = "demo.myshopify.com"
BUILD = DashboardBuild(script="/app-assets/assets/main-test.js", styles=(), preloads=())


def _csp(shopify_sim: LiveSimulator) -> str:
    return f"frame-ancestors https://{SHOP} https://admin.shopify.com {shopify_sim.url}"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_first_open_installs_and_renders_the_shell(pb: Flask, shopify_sim: LiveSimulator) -> None:
    shopify_sim.sim.install(SHOP)
    url = AdminPages(shopify_sim.sim).embedded_url(SHOP)
    answer = pb.test_client().get(_path(url))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    assert answer.headers["Content-Security-Policy"] == _csp(shopify_sim)
    assert "Set-Cookie" not in answer.headers
    assert f'<meta name="shopify-api-key" content="{TEST_SHOPIFY_API_KEY}">' in html
    scripts = re.findall(r"<script[^>]*>", html)
    settings = pb.extensions["pricebridge.settings"]
    assert scripts[0] == f'<script src="{settings.app_bridge_src}">'  # first, no async/defer
    assert f'<script src="{settings.polaris_src}">' in scripts
    assert "<s-page" in html
    assert SHOP in html
    shop = db.session.scalar(select(Shop).where(Shop.domain == SHOP))
    assert shop is not None
    assert shop.is_installed
    assert shop.refresh_token is not None
    # Its currency is not known yet: a job asks Shopify for it (quotes are held until then).
    assert f"shop-currency-{shop.id}" in current_broker().queue("default").get_job_ids()


def test_a_load_without_id_token_bounces_and_reloads(pb: Flask, shopify_sim: LiveSimulator) -> None:
    shopify_sim.sim.install(SHOP)
    params = {"embedded": "1", "shop": SHOP, "timestamp": str(int(time.time()))}
    client = pb.test_client()
    answer = client.get(f"/app/products?{signed_query(params, TEST_SHOPIFY_API_SECRET)}")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("/auth/session-token?")
    reload_url = parse_qs(urlsplit(location).query)["shopify-reload"][0]
    assert reload_url.startswith(f"{APP_URL}/app/products?")
    assert "id_token" not in reload_url
    bounce = client.get(location)
    html = bounce.get_data(as_text=True)
    assert bounce.status_code == 200
    assert bounce.headers["Content-Security-Policy"] == _csp(shopify_sim)
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="{pb.extensions["pricebridge.settings"].app_bridge_src}">'
    ]
    # App Bridge then reloads with a fresh id_token, which renders the app.
    fresh = shopify_sim.session_token(SHOP)
    reloaded = client.get(f"{_path(reload_url)}&id_token={fresh}")
    assert reloaded.status_code == 200
    assert reloaded.headers["Content-Security-Policy"] == _csp(shopify_sim)


def test_an_expired_id_token_bounces_for_its_shop(pb: Flask, shopify_sim: LiveSimulator) -> None:
    issued = int(time.time()) - 3600
    claims = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": TEST_SHOPIFY_API_KEY,
        "sub": "1",
        "exp": issued + 60,
        "nbf": issued,
        "iat": issued,
    }
    stale = encode_hs256(claims, TEST_SHOPIFY_API_SECRET)
    answer = pb.test_client().get(f"/app?embedded=1&id_token={stale}")
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["shop"] == [SHOP]
    forged = encode_hs256(claims, "not-the-secret")
    refused = pb.test_client().get(f"/app?embedded=1&id_token={forged}")
    assert refused.status_code == 400
    assert refused.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://admin.shopify.com {shopify_sim.url}"
    )


def test_unverified_loads_never_name_a_shop_in_the_csp(
    pb: Flask, shopify_sim: LiveSimulator
) -> None:
    client = pb.test_client()
    unsigned = client.get(f"/app?shop={SHOP}&embedded=1")
    assert unsigned.status_code == 302  # to the app inside that shop's admin
    assert unsigned.headers["Location"] == (
        f"{shopify_sim.url}/store/demo/apps/{TEST_SHOPIFY_API_KEY}"
    )
    for query in ("", "?shop=evil.example.com", f"?shop={SHOP}&hmac=00&timestamp=1"):
        answer = client.get(f"/app{query}")
        if answer.status_code == 302:
            continue
        assert answer.status_code == 400
        assert SHOP not in answer.headers["Content-Security-Policy"]
    forged_bounce = client.get(f"/auth/session-token?shop={SHOP}&shopify-reload={APP_URL}/app")
    assert forged_bounce.status_code == 400


def test_an_uninstalled_shop_gets_a_not_installed_page(
    pb: Flask, shopify_sim: LiveSimulator
) -> None:
    shopify_sim.sim.install(SHOP)
    token = shopify_sim.session_token(SHOP)
    shopify_sim.sim.uninstall(SHOP)
    answer = pb.test_client().get(f"/app?embedded=1&id_token={token}")
    assert answer.status_code == 403
    assert answer.headers["Content-Security-Policy"] == _csp(shopify_sim)


def _embedded(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="pb-initial">(.*?)</script>', html, re.S)
    assert found is not None, "no first-paint data in the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_page_embeds_what_the_first_paint_needs_as_the_api_answers_it(
    pb: Flask, shopify_sim: LiveSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "dashboard_build", lambda: BUILD)
    shopify_sim.sim.install(SHOP)
    client = pb.test_client()
    first = client.get(f"/app?embedded=1&id_token={shopify_sim.session_token(SHOP)}")
    assert first.status_code == 200
    shop = db.session.scalar(select(Shop).where(Shop.domain == SHOP))
    assert shop is not None
    # A title that would end the script element if it were not escaped.
    nasty = "Lamp </script><script>alert(1)</script>"
    make_product(shop, title=nasty, amazon_price=Decimal("10.00"), amazon_currency="USD")
    db.session.commit()
    publish_events(shop.id, [("product", {"product_id": 1}), ("product", {"product_id": 1})])

    token = shopify_sim.session_token(SHOP)
    html = client.get(f"/app?embedded=1&id_token={token}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    data = _embedded(html)
    headers = {"Authorization": f"Bearer {token}"}
    assert data["seq"] == 2  # where the live stream was: the page catches up after it
    assert data["settings"] == client.get("/api/shop/settings", headers=headers).get_json()
    assert data["products"] == client.get("/api/products", headers=headers).get_json()
    assert data["products"]["items"][0]["title"] == nasty
    summary = client.get("/api/summary", headers=headers).get_json()
    assert data["summary"] == summary
    assert summary["products"] == 1

    # Other pages need the settings only; their data is theirs to ask for.
    other = _embedded(
        client.get(f"/app/settings?embedded=1&id_token={token}").get_data(as_text=True)
    )
    assert set(other) == {"seq", "settings"}


def test_without_a_built_dashboard_nothing_is_embedded(
    pb: Flask, shopify_sim: LiveSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "dashboard_build", lambda: None)
    shopify_sim.sim.install(SHOP)
    answer = pb.test_client().get(f"/app?embedded=1&id_token={shopify_sim.session_token(SHOP)}")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "pb-initial" not in html
    assert "The dashboard is not built" in html
