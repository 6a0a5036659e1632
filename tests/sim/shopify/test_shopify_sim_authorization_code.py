"""Authorization code grant: authorize redirect signed like Shopify, then a single-use code."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from flask.testing import FlaskClient
from shopify_sim_support import API_KEY, API_SECRET, APP_URL, SHOP, load_fixture
from werkzeug.test import TestResponse

from simulators.shopify.app import Simulator
from simulators.shopify.auth import admin_query_message, query_hmac

VECTORS = load_fixture("oauth_query_hmac_vectors.json")["vectors"]
AUTHORIZE = f"/shops/{SHOP}/admin/oauth/authorize"
CALLBACK = f"{APP_URL}/auth/callback"


def fixture_algorithm(params: dict[str, str], secret: str) -> str:
    """The algorithm as the fixture states it, written independently of the simulator."""
    pairs = sorted((k, v) for k, v in params.items() if k not in {"hmac", "signature"})
    message = "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("vector", [v for v in VECTORS if "[]" not in str(v.get("params"))])
def test_simulator_signs_the_documented_vectors(vector: dict[str, object]) -> None:
    params = dict(parse_qsl(str(vector["message"])))

    assert admin_query_message(params) == vector["message"]
    assert query_hmac(params, str(vector["secret"])) == vector["hmac"]
    assert fixture_algorithm(params, str(vector["secret"])) == vector["hmac"]


def authorize(client: FlaskClient, **overrides: str) -> dict[str, str]:
    query = {
        "client_id": API_KEY,
        "scope": "write_products,write_inventory,read_locations",
        "redirect_uri": CALLBACK,
        "state": "nonce-123",
    }
    query.update(overrides)
    answer = client.get(AUTHORIZE, query_string=query)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return dict(parse_qsl(location.query))


def exchange(client: FlaskClient, code: str, **extra: str) -> TestResponse:
    body = {"client_id": API_KEY, "client_secret": API_SECRET, "code": code, **extra}
    return client.post(f"/shops/{SHOP}/admin/oauth/access_token", json=body)


def test_round_trip_with_a_verifiable_hmac(client: FlaskClient, sim: Simulator) -> None:
    params = authorize(client)

    assert sorted(params) == ["code", "hmac", "host", "shop", "state", "timestamp"]
    assert params["shop"] == SHOP
    assert params["state"] == "nonce-123"
    assert hmac.compare_digest(params["hmac"], fixture_algorithm(params, API_SECRET))
    assert abs(int(params["timestamp"]) - sim.clock.now().timestamp()) <= 1
    assert sim.registry.is_installed(SHOP)

    answer = exchange(client, params["code"])

    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"access_token", "scope"}
    assert body["access_token"].startswith("shpat_")
    assert sim.registry.authorize(SHOP, body["access_token"])


def test_code_is_single_use(client: FlaskClient) -> None:
    code = authorize(client)["code"]
    assert exchange(client, code).status_code == 200

    again = exchange(client, code)

    assert again.status_code == 400
    assert again.get_json() == {
        "error": "invalid_request",
        "error_description": "The authorization code was not found or was already used",
    }


def test_code_expires(client: FlaskClient, sim: Simulator) -> None:
    code = authorize(client)["code"]
    sim.clock.advance(sim.config.lifetimes.code)

    assert exchange(client, code).status_code == 400


def test_expiring_code_exchange_and_per_user_grant(client: FlaskClient) -> None:
    offline = exchange(client, authorize(client)["code"], expiring="1").get_json()
    online = exchange(client, authorize(client, **{"grant_options[]": "per-user"})["code"])

    assert offline["expires_in"] == 3600
    assert offline["refresh_token"].startswith("shprt_")
    assert online.get_json()["access_token"].startswith("shpua_")
    assert online.get_json()["associated_user"]["id"] == 902541635


def test_requested_scopes_are_granted(client: FlaskClient, sim: Simulator) -> None:
    authorize(client, scope="read_products")

    record = sim.registry.shop(SHOP)
    assert record is not None
    assert record.scopes == ("read_products",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_id": "someone-else"}, "Could not find API application"),
        ({"redirect_uri": "https://evil.example/auth/callback"}, "redirect_uri"),
        ({"redirect_uri": "http://app.test.evil.example/cb"}, "redirect_uri"),
    ],
)
def test_authorize_refuses_unknown_apps_and_foreign_redirects(
    client: FlaskClient, sim: Simulator, overrides: dict[str, str], message: str
) -> None:
    query = {"client_id": API_KEY, "redirect_uri": CALLBACK, "state": "s", **overrides}

    answer = client.get(AUTHORIZE, query_string=query)

    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert not sim.registry.is_installed(SHOP)
