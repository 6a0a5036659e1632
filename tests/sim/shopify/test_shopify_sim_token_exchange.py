"""Token exchange, refresh rotation and migration at POST /shops/<shop>/admin/oauth/access_token."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from shopify_sim_support import API_KEY, API_SECRET, SHOP, Receiver, load_fixture, make_config
from werkzeug.test import TestResponse

from simulators.shopify.app import Simulator, create_app, simulator

EXAMPLES = load_fixture("token_exchange_examples.json")
ERROR_BODY = EXAMPLES["error_example"]["body"]
TOKEN_PATH = f"/shops/{SHOP}/admin/oauth/access_token"


def exchange_body(subject: str, **overrides: Any) -> dict[str, Any]:
    body = dict(EXAMPLES["token_exchange_request"], client_id=API_KEY, client_secret=API_SECRET)
    body["subject_token"] = subject
    body.update(overrides)
    return body


def refresh_body(refresh_token: str) -> dict[str, Any]:
    body = dict(EXAMPLES["refresh_request"], client_id=API_KEY, client_secret=API_SECRET)
    return dict(body, refresh_token=refresh_token)


def post(client: FlaskClient, body: dict[str, Any], shop: str = SHOP) -> TestResponse:
    return client.post(f"/shops/{shop}/admin/oauth/access_token", json=body)


def session_token(sim: Simulator, shop: str = SHOP) -> str:
    record = sim.registry.shop(shop)
    assert record is not None
    return sim.session_tokens.issue(record)


@pytest.mark.usefixtures("installed")
def test_expiring_offline_exchange_answers_like_the_fixture(
    client: FlaskClient, sim: Simulator
) -> None:
    answer = post(client, exchange_body(session_token(sim)))

    assert answer.status_code == 200
    body = answer.get_json()
    example = EXAMPLES["example_offline_expiring_response"]
    assert set(body) == set(example)
    assert body["access_token"].startswith("shpat_")
    assert body["refresh_token"].startswith("shprt_")
    assert body["expires_in"] == example["expires_in"] == 3600
    assert body["refresh_token_expires_in"] == example["refresh_token_expires_in"]
    assert body["scope"] == "write_products,write_inventory,read_locations"
    assert sim.registry.authorize(SHOP, body["access_token"])


@pytest.mark.usefixtures("installed")
def test_form_encoded_non_expiring_exchange(client: FlaskClient, sim: Simulator) -> None:
    form = exchange_body(session_token(sim))
    del form["expiring"]

    answer = client.post(TOKEN_PATH, data=form)

    assert answer.status_code == 200
    assert set(answer.get_json()) == {"access_token", "scope"}


@pytest.mark.usefixtures("installed")
def test_online_exchange_names_the_user(client: FlaskClient, sim: Simulator) -> None:
    online = EXAMPLES["requested_token_type_values"][1]
    answer = post(client, exchange_body(session_token(sim), requested_token_type=online))

    body = answer.get_json()
    example = EXAMPLES["example_online_response"]
    assert answer.status_code == 200
    assert body["access_token"].startswith("shpua_")
    assert set(body) == set(example)
    assert body["associated_user"] == example["associated_user"]
    assert body["expires_in"] == example["expires_in"]


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize(
    "subject",
    ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30."],
)
def test_garbage_subject_token_is_refused_with_the_real_error(
    client: FlaskClient, subject: str
) -> None:
    answer = post(client, exchange_body(subject))

    assert answer.status_code == EXAMPLES["error_example"]["status"]
    assert answer.get_json() == ERROR_BODY


def test_session_token_of_another_shop_is_refused(client: FlaskClient, sim: Simulator) -> None:
    sim.install(SHOP)
    sim.install("other-shop.myshopify.com")

    answer = post(client, exchange_body(session_token(sim, "other-shop.myshopify.com")))

    assert (answer.status_code, answer.get_json()) == (400, ERROR_BODY)


@pytest.mark.usefixtures("installed")
def test_expired_session_token_is_refused(client: FlaskClient, sim: Simulator) -> None:
    token = session_token(sim)
    sim.clock.advance(71)  # 60 s lifetime + 10 s leeway + 1

    answer = post(client, exchange_body(token))

    assert (answer.status_code, answer.get_json()) == (400, ERROR_BODY)


@pytest.mark.usefixtures("installed")
def test_token_signed_with_another_secret_is_refused(client: FlaskClient) -> None:
    other = simulator(create_app(make_config(api_secret="another-secret")))
    other.install(SHOP)

    answer = post(client, exchange_body(session_token(other)))

    assert (answer.status_code, answer.get_json()) == (400, ERROR_BODY)


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize(
    "credentials", [{"client_secret": "wrong"}, {"client_id": "another-app"}, {"client_secret": ""}]
)
def test_bad_client_credentials_answer_invalid_client(
    client: FlaskClient, sim: Simulator, credentials: dict[str, str]
) -> None:
    answer = post(client, exchange_body(session_token(sim), **credentials))

    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_client"


def test_previous_secret_is_accepted_during_rotation() -> None:
    app = create_app(make_config(previous_api_secret="old-secret"))
    sim = simulator(app)
    sim.install(SHOP)

    answer = post(app.test_client(), exchange_body(session_token(sim), client_secret="old-secret"))

    assert answer.status_code == 200


def test_uninstalled_shop_cannot_exchange(client: FlaskClient, sim: Simulator) -> None:
    sim.install(SHOP)
    token = session_token(sim)
    sim.uninstall(SHOP)

    answer = post(client, exchange_body(token))

    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_client"


def expiring_pair(client: FlaskClient, sim: Simulator) -> dict[str, Any]:
    answer = post(client, exchange_body(session_token(sim)))
    assert answer.status_code == 200
    return dict(answer.get_json())


@pytest.mark.usefixtures("installed")
def test_refresh_rotates_and_retires_the_used_token(client: FlaskClient, sim: Simulator) -> None:
    first = expiring_pair(client, sim)
    second = post(client, refresh_body(first["refresh_token"])).get_json()
    third = post(client, refresh_body(second["refresh_token"])).get_json()

    reuse = post(client, refresh_body(first["refresh_token"]))

    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert third["expires_in"] == 3600
    assert reuse.status_code == 400
    assert reuse.get_json()["error"] == "invalid_grant"
    assert set(reuse.get_json()) == {"error", "error_description"}


@pytest.mark.usefixtures("installed")
def test_a_lost_refresh_answer_can_be_recovered_until_the_replacement_is_used(
    client: FlaskClient, sim: Simulator
) -> None:
    first = expiring_pair(client, sim)
    lost = post(client, refresh_body(first["refresh_token"])).get_json()

    retried = post(client, refresh_body(first["refresh_token"]))

    assert retried.status_code == 200
    assert retried.get_json()["refresh_token"] != lost["refresh_token"]
    assert post(client, refresh_body(lost["refresh_token"])).status_code == 400
    assert not sim.registry.authorize(SHOP, lost["access_token"])


def test_strict_rotation_refuses_any_reuse(receiver: Receiver) -> None:
    app = create_app(make_config(refresh_recovery=False, webhook_url=receiver.url))
    sim = simulator(app)
    sim.install(SHOP)
    client = app.test_client()
    first = expiring_pair(client, sim)
    assert post(client, refresh_body(first["refresh_token"])).status_code == 200

    reuse = post(client, refresh_body(first["refresh_token"]))

    assert (reuse.status_code, reuse.get_json()["error"]) == (400, "invalid_grant")


@pytest.mark.usefixtures("installed")
def test_expired_refresh_token_is_refused(client: FlaskClient, sim: Simulator) -> None:
    first = expiring_pair(client, sim)
    sim.clock.advance(EXAMPLES["example_offline_expiring_response"]["refresh_token_expires_in"])

    answer = post(client, refresh_body(first["refresh_token"]))

    assert (answer.status_code, answer.get_json()["error"]) == (400, "invalid_grant")


@pytest.mark.usefixtures("installed")
def test_access_token_expires_after_an_hour_and_refresh_revives_access(
    client: FlaskClient, sim: Simulator
) -> None:
    pair = expiring_pair(client, sim)
    sim.clock.advance(3600)

    assert not sim.registry.authorize(SHOP, pair["access_token"])
    fresh = post(client, refresh_body(pair["refresh_token"])).get_json()
    assert sim.registry.authorize(SHOP, fresh["access_token"])


@pytest.mark.usefixtures("installed")
def test_migration_of_a_non_expiring_token(client: FlaskClient, sim: Simulator) -> None:
    legacy = post(client, exchange_body(session_token(sim), expiring=0)).get_json()
    request = dict(
        EXAMPLES["migrate_non_expiring_to_expiring_request"],
        client_id=API_KEY,
        client_secret=API_SECRET,
        subject_token=legacy["access_token"],
    )

    migrated = post(client, request)
    retried = post(client, request)

    body = migrated.get_json()
    assert migrated.status_code == 200
    assert set(body) == set(EXAMPLES["example_offline_expiring_response"])
    assert retried.get_json()["refresh_token"] == body["refresh_token"]
    assert not sim.registry.authorize(SHOP, legacy["access_token"])
    assert sim.registry.authorize(SHOP, body["access_token"])
    # Once the pair has been refreshed, the original token can no longer be exchanged.
    assert post(client, refresh_body(body["refresh_token"])).status_code == 200
    late = post(client, request)
    assert (late.status_code, late.get_json()) == (400, ERROR_BODY)


@pytest.mark.usefixtures("installed")
def test_migrating_an_unknown_token_is_refused(client: FlaskClient) -> None:
    request = dict(
        EXAMPLES["migrate_non_expiring_to_expiring_request"],
        client_id=API_KEY,
        client_secret=API_SECRET,
        subject_token="shpat_" + "0" * 32,
    )

    answer = post(client, request)

    assert (answer.status_code, answer.get_json()) == (400, ERROR_BODY)


@pytest.mark.usefixtures("installed")
def test_force_expiry_control_endpoint(client: FlaskClient, sim: Simulator) -> None:
    pair = expiring_pair(client, sim)

    answer = client.post("/_sim/tokens/expire", json={"shop": SHOP})

    assert answer.get_json() == {"shop": SHOP, "expired": 1}
    assert not sim.registry.authorize(SHOP, pair["access_token"])
    assert post(client, refresh_body(pair["refresh_token"])).status_code == 200
