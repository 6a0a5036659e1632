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


def test_each_event_type_has_its_payload_schema_and_the_socket_is_described(
    client: FlaskClient, app: Flask
) -> None:
    document = client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for kind, name in [
        ("observation", "EventObservation"),
        ("price_change", "EventPriceChange"),
        ("push", "EventPush"),
        ("error", "EventError"),
        ("product", "EventProduct"),
        ("usage", "EventUsage"),
        ("import", "EventImport"),
    ]:
        event = schemas[name]
        assert event["properties"]["type"] == {"const": kind}
        assert event["properties"]["data"]["additionalProperties"] is False, kind
    socket = document["x-websocket"]
    assert socket["path"] == "/ws"
    assert socket["close_codes"]["4001"] == "shop_uninstalled"
    replayed = document["paths"]["/api/events"]["get"]["responses"]["200"]
    items = replayed["content"]["application/json"]["schema"]["properties"]["events"]["items"]
    assert len(items["oneOf"]) == 7


def test_the_schema_check_refuses_an_event_its_schema_does_not_describe(app: Flask) -> None:
    """The check every test's teardown runs (tests/event_schemas.py) can fail."""
    from redis import Redis

    from app.realtime.events import publish_event
    from tests.event_schemas import invalid_events

    redis: Redis = app.extensions["pricebridge.broker"].redis
    good = {"month": "2026-11-01", "used": 1, "budget": 10, "remaining": 9}
    publish_event(1, "usage", good)
    assert invalid_events(app, redis) == []
    publish_event(1, "usage", {**good, "undocumented": True})
    publish_event(1, "error", {"code": "x", "message": "m"})  # product_ids missing
    problems = invalid_events(app, redis)
    assert len(problems) == 2, problems
    for key in redis.scan_iter(match="pricebridge:shop:*"):
        redis.delete(key)  # the made-up events must not fail this test's own teardown check
