"""The OpenAPI document describes exactly the /api routes that exist."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.api.openapi import build_document, openapi_path


def registered_operations(app: Flask) -> set[tuple[str, str]]:
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def test_document_matches_the_url_map(client: FlaskClient, app: Flask) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert documented == registered_operations(app)


def test_every_operation_is_complete(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, op in item.items():
            assert op["summary"], (path, method)
            assert op["responses"], (path, method)
            names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert names == set(part[1:-1] for part in path.split("/") if part.startswith("{"))
            if op.get("security"):
                assert "401" in op["responses"], (path, method)


def test_an_undocumented_route_is_refused(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    app.add_url_rule("/api/undocumented", "api.undocumented", lambda: "")
    with pytest.raises(LookupError, match="/api/undocumented has no @operation"):
        build_document(app)


def test_unknown_api_paths_and_methods_answer_json(client: FlaskClient) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/openapi.json")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]
    assert client.get("/not-api").status_code == 404
