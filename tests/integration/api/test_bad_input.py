"""Bad input on the API answers a clear 4xx, never 500 (issue 14, part 1: each instance)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.api.query import RowIdConverter
from tests.integration.api.test_products import A
from tests.integration.factories import auth, installed, make_product
from tests.support import session_token


def cursor(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("where", ["header", "payload", "signature"])
def test_a_non_ascii_session_token_is_401(client: FlaskClient, where: str) -> None:
    installed(A)
    header, payload, signature = session_token(A, now=time.time()).split(".")
    parts = {"header": header, "payload": payload, "signature": signature}
    parts[where] = parts[where][:5] + "é" + parts[where][5:]
    token = ".".join(parts.values())
    response = client.get("/api/shop", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_session_token"
    page = client.get("/app", query_string={"id_token": token, "shop": A})
    assert page.status_code < 500


def test_a_session_token_nested_past_the_recursion_limit_is_401(client: FlaskClient) -> None:
    installed(A)
    segment = base64.urlsafe_b64encode(nested(5000).encode()).decode().rstrip("=")
    token = f"{segment}.{segment}.c2ln"
    response = client.get("/api/shop", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_session_token"
    assert client.get("/app", query_string={"id_token": token}).status_code < 500


# Superscript two, Arabic-Indic three, fullwidth one: isdigit() says yes to each.
UNICODE_DIGITS = ["\u00b2", "\u0663", "\uff11"]


@pytest.mark.parametrize("limit", [*UNICODE_DIGITS, "1e2", "-1", "", " 5", "9" * 20])
def test_whole_number_query_parameters_are_ascii_digits_only(
    client: FlaskClient, limit: str
) -> None:
    installed(A)
    response = client.get("/api/products", query_string={"limit": limit}, headers=auth(A))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_limit"


@pytest.mark.parametrize(
    "value",
    [
        [2**63],
        [-1],
        [True],
        nested(1500),
        nested(100_000),
    ],
    ids=["2^63", "negative", "bool", "nested-1500", "nested-100000"],
)
def test_bad_list_cursors_are_422(client: FlaskClient, value: Any) -> None:
    installed(A)
    response = client.get("/api/products", query_string={"cursor": cursor(value)}, headers=auth(A))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "value",
    [
        ["2026-11-29T12:00:00", 5],  # no UTC offset
        ["0001-01-01T00:00:00+14:00", 5],  # year 0 in UTC
        ["9999-12-31T23:59:59-14:00", 5],  # year 10000 in UTC
        ["2026-11-29T12:00:00+00:00", 2**63],
        ["not a date", 5],
    ],
    ids=["naive", "year-1-plus-14", "year-9999-minus-14", "id-2^63", "not-a-date"],
)
def test_bad_history_cursors_are_422(client: FlaskClient, value: Any) -> None:
    shop = installed(A)
    product = make_product(shop)
    response = client.get(
        f"/api/products/{product.id}",
        query_string={"history_cursor": cursor(value)},
        headers=auth(A),
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/products"), ("patch", "/api/shop/settings"), ("post", "/api/push")],
)
def test_a_deeply_nested_json_body_is_400_invalid_json(
    client: FlaskClient, method: str, path: str
) -> None:
    installed(A)
    response = getattr(client, method)(
        path, data=nested(100_000), content_type="application/json", headers=auth(A)
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def int_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every route with an `<int:...>` part, the id set to 2^63."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or not any(
            isinstance(conv, RowIdConverter) for conv in rule._converters.values()
        ):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(2**63))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def test_path_ids_of_2_63_or_more_are_404_on_every_route(app: Flask, client: FlaskClient) -> None:
    installed(A)
    routes = int_routes(app)
    # The pricing routes the issue names are among them, with the products and changes routes.
    assert ("PATCH", f"/api/products/{2**63}") in routes
    assert ("POST", f"/api/price-changes/{2**63}/approve") in routes
    assert ("DELETE", f"/api/products/{2**63}/manual-override") in routes
    for method, path in routes:
        for raw in (str(2**63), str(2**64), "9" * 40):
            response = client.open(
                path.replace(str(2**63), raw), method=method, json={}, headers=auth(A)
            )
            assert response.status_code == 404, (method, path, response.get_data(as_text=True))
    top = client.get(f"/api/price-changes/{2**63 - 1}", headers=auth(A))
    assert top.status_code == 404
    assert top.get_json()["error"]["code"] == "change_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"product_ids": [2**63]},
        {"product_ids": [1, 2**64]},
        {"product_ids": [0]},
        {"filter": {"state": [[]]}},
        {"filter": {"state": [{}]}},
        {"filter": {"state": ["proposed"], "extra": 1}},
        {"filter": []},
    ],
    ids=["id-2^63", "id-2^64", "id-0", "state-list", "state-object", "unknown-key", "list"],
)
def test_bad_bulk_push_selections_are_422(client: FlaskClient, body: dict[str, Any]) -> None:
    installed(A)
    response = client.post("/api/push", json=body, headers=auth(A))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "invalid_selection"


@pytest.mark.parametrize("preview", [False, True])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fixed_addon", "10000000000"),
        ("fixed_addon", "1e10"),
        ("markup_percent", "1e-999999"),
        ("min_margin_percent", "1e-999999"),
        ("auto_push_tolerance_percent", "1e-999999"),
        ("markup_percent", "100000"),
    ],
)
def test_settings_the_columns_cannot_store_are_422_with_and_without_preview(
    client: FlaskClient, field: str, value: str, preview: bool
) -> None:
    installed(A)
    response = client.patch(
        "/api/shop/settings",
        query_string={"preview": "true"} if preview else {},
        json={field: value},
        headers=auth(A),
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert (error["code"], error["details"]) == ("invalid_setting", {"field": field})


def test_the_largest_storable_addon_is_accepted(client: FlaskClient) -> None:
    installed(A)
    response = client.patch(
        "/api/shop/settings", json={"fixed_addon": "9999999999.99"}, headers=auth(A)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["settings"]["fixed_addon"] == "9999999999.99"


def test_a_markup_override_the_column_cannot_store_is_422(client: FlaskClient) -> None:
    shop = installed(A)
    product = make_product(shop)
    from app.extensions import db

    db.session.commit()
    response = client.patch(
        f"/api/products/{product.id}",
        json={"markup_override_percent": "1e-999999"},
        headers=auth(A),
    )
    assert response.status_code == 422, response.get_data(as_text=True)


def test_every_route_refuses_a_query_parameter_its_operation_does_not_document(
    app: Flask, client: FlaskClient
) -> None:
    """A route that ignored an unknown parameter would silently drop what the dashboard meant
    (`?preview=true` misspelt applies the settings): 422 on every route, before anything."""
    shop = installed(A)
    product = make_product(shop)
    before = client.get("/api/shop/settings", headers=auth(A)).get_json()
    routes = [
        (method, rule.rule.replace("<int:product_id>", str(product.id)).replace("<int:", "<"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    assert ("PATCH", "/api/shop/settings") in routes
    for method, path in routes:
        if "<" in path:
            continue  # another kind of id: the product's routes cover the gate
        response = client.open(
            f"{path}?previeww=true",
            method=method,
            json={"markup_percent": "99"},
            headers=auth(A),
        )
        assert response.status_code == 422, (method, path, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert (error["code"], error["details"]["unknown"]) == ("unknown_parameters", ["previeww"])
    assert client.get("/api/shop/settings", headers=auth(A)).get_json() == before
