"""The admin frame, its session-token endpoint, uninstall, the CDN stand-ins and /_sim knobs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from flask.testing import FlaskClient
from shopify_sim_support import API_KEY, API_SECRET, APP_URL, SHOP, Receiver, make_config

import simulators.shopify.admin
from simulators.shopify.__main__ import parse_args
from simulators.shopify.app import Simulator, SimulatorConfig
from simulators.shopify.auth import host_param

ADMIN = "/store/demo-shop/apps/" + API_KEY
POLARIS_TAGS = (
    *("s-page", "s-section", "s-box", "s-stack", "s-grid", "s-divider"),
    *("s-table", "s-table-header-row", "s-table-header", "s-table-body", "s-table-row"),
    *("s-table-cell", "s-button", "s-badge", "s-banner", "s-text", "s-heading", "s-paragraph"),
    *("s-text-field", "s-number-field", "s-select", "s-option", "s-checkbox", "s-switch"),
    *("s-spinner", "s-link", "s-modal", "s-image", "s-thumbnail", "s-icon"),
)


def iframe_src(html: str) -> str:
    match = re.search(r'<iframe id="app-frame"[^>]*\ssrc="([^"]+)"', html)
    assert match, "no app iframe in the admin page"
    return unescape(match.group(1))


def shopify_hmac(params: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "hmac")
    message = "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs)
    return hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_admin_page_embeds_the_app_with_a_signed_query(client: FlaskClient, sim: Simulator) -> None:
    page = client.get(ADMIN)

    assert page.status_code == 200
    src = urlsplit(iframe_src(page.get_data(as_text=True)))
    params = dict(parse_qsl(src.query))
    assert f"{src.scheme}://{src.netloc}{src.path}" == f"{APP_URL}/app"
    assert sorted(params) == sorted(
        ["embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp"]
    )
    assert params["embedded"] == "1"
    assert params["shop"] == SHOP
    assert base64.b64decode(params["host"] + "==") == b"admin.shopify.com/store/demo-shop"
    assert hmac.compare_digest(params["hmac"], shopify_hmac(params))
    claims = sim.session_tokens.verify(params["id_token"], SHOP)
    assert claims["aud"] == API_KEY


def test_first_visit_installs_with_the_app_scopes(client: FlaskClient, sim: Simulator) -> None:
    assert not sim.registry.is_installed(SHOP)

    client.get(ADMIN)

    record = sim.registry.shop(SHOP)
    assert record is not None
    assert record.installed
    assert record.scopes == sim.config.scopes


def test_sub_paths_reach_the_same_sub_path_of_the_app(client: FlaskClient) -> None:
    src = iframe_src(client.get(ADMIN + "/products/7").get_data(as_text=True))

    assert src.startswith(f"{APP_URL}/app/products/7?")


@pytest.mark.parametrize("path", ["/store/demo-shop/apps/other-app", "/store/Bad_Name/apps/x"])
def test_unknown_app_or_shop_is_not_found(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_session_token_endpoint_needs_an_install(client: FlaskClient, sim: Simulator) -> None:
    assert client.post("/store/demo-shop/session-token").status_code == 403
    client.get(ADMIN)

    answer = client.post("/store/demo-shop/session-token")

    assert answer.status_code == 200
    assert sim.session_tokens.verify(answer.get_json()["id_token"], SHOP)["sub"] == "902541635"


def test_uninstall_revokes_tokens_and_sends_app_uninstalled(
    client: FlaskClient, sim: Simulator, receiver: Receiver
) -> None:
    client.get(ADMIN)
    grant = sim.registry.issue(SHOP, "offline", expiring=True)

    answer = client.post("/store/demo-shop/uninstall")
    sim.webhooks.flush()

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/store/demo-shop")
    assert not sim.registry.authorize(SHOP, grant.access_token)
    headers, _ = receiver.requests[-1]
    assert headers["X-Shopify-Topic"] == "app/uninstalled"
    assert "not installed" in client.get("/store/demo-shop").get_data(as_text=True)


def test_admin_page_offers_uninstall_and_test_webhooks(client: FlaskClient) -> None:
    html = client.get(ADMIN).get_data(as_text=True)

    assert 'action="/store/demo-shop/uninstall"' in html
    assert 'id="webhook-form"' in html
    assert "/store/${SHOP_NAME}/session-token" in html


def test_app_bridge_script(client: FlaskClient) -> None:
    answer = client.get("/cdn/app-bridge.js")

    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    script = answer.get_data(as_text=True)
    for needle in (
        'meta[name="shopify-api-key"]',
        "idToken",
        "toast",
        "window.fetch = authenticatedFetch",
        "X-Shopify-Retry-Invalid-Session-Request",
        "shopify-reload",
        "shopify-sim:idToken",
    ):
        assert needle in script


def test_polaris_script_defines_every_element_the_dashboard_uses(client: FlaskClient) -> None:
    answer = client.get("/cdn/polaris.js")

    assert answer.mimetype == "text/javascript"
    script = answer.get_data(as_text=True)
    missing = [tag for tag in POLARIS_TAGS if f'"{tag}"' not in script]
    assert missing == []


def test_other_cdn_paths_are_not_served(client: FlaskClient) -> None:
    assert client.get("/cdn/../app.py").status_code == 404
    assert client.get("/cdn/admin.html").status_code == 404


def test_clock_control(client: FlaskClient, sim: Simulator) -> None:
    before = sim.clock.now()

    answer = client.post("/_sim/clock", json={"advance": 90})

    assert answer.status_code == 200
    assert (sim.clock.now() - before).total_seconds() >= 90
    assert client.post("/_sim/clock", json={"advance": -1}).status_code == 400
    assert client.post("/_sim/clock", json={"advance": "soon"}).get_json()["error"]


def test_install_session_token_and_shops_controls(client: FlaskClient, sim: Simulator) -> None:
    installed = client.post("/_sim/install", json={"shop": "bench-1", "scopes": ["write_products"]})
    token = client.post("/_sim/session-token", json={"shop": "bench-1.myshopify.com"})
    shops = client.get("/_sim/shops").get_json()["shops"]

    assert installed.get_json()["scopes"] == ["write_products"]
    assert sim.session_tokens.verify(token.get_json()["id_token"], "bench-1.myshopify.com")
    assert [s["shop"] for s in shops] == ["bench-1.myshopify.com"]
    assert client.post("/_sim/install", json={"shop": "Not A Shop"}).status_code == 400
    uninstalled = client.post("/_sim/uninstall", json={"shop": "bench-1"}).get_json()
    assert uninstalled == {"shop": "bench-1.myshopify.com", "uninstalled": True}


def test_host_param_is_unpadded_base64() -> None:
    assert host_param("demo.myshopify.com") == "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw"


@pytest.mark.parametrize(
    "overrides",
    [
        {"api_key": ""},
        {"api_secret": ""},
        {"app_url": "ftp://app.test"},
        {"app_url": "http://app.test/?x=1"},
        {"webhook_path": "webhooks"},
        {"scopes": ()},
        {"webhook_retries": -1},
    ],
)
def test_config_validation_names_the_bad_value(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="SimulatorConfig"):
        make_config(**overrides)


def test_config_normalises_the_app_url() -> None:
    assert make_config(app_url="http://app.test/").app_url == "http://app.test"
    assert SimulatorConfig("k", "s", "http://a.test").delivery_url == "http://a.test/webhooks"


def test_command_line() -> None:
    args = parse_args(
        ["--port", "9100", "--api-key", "k", "--api-secret", "s", "--app-url", "http://a.test"]
    )

    assert (args.port, args.api_key, args.host) == (9100, "k", "127.0.0.1")


NODE = shutil.which("node")
HARNESS = Path(__file__).with_name("app_bridge_harness.js")
APP_BRIDGE = Path(simulators.shopify.admin.__file__).with_name("static") / "app-bridge.js"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize(
    "query",
    [
        "?embedded=1&shop=demo.myshopify.com&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw",
        "?embedded=1&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw",
        "?shop=demo.myshopify.com&shopify-reload=%2Fapp%3Fshop%3Ddemo.myshopify.com",
    ],
)
def test_app_bridge_behaviour_in_a_fake_embedded_window(query: str) -> None:
    assert NODE is not None
    run = subprocess.run(
        [NODE, str(HARNESS), str(APP_BRIDGE), query],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert (run.returncode, run.stdout.strip()) == (0, "ok"), run.stderr
