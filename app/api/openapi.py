"""The OpenAPI 3.1 document of /api, built from the routes themselves.

Each route declares its operation with `@operation(...)`; `build_document` walks the URL map,
so a route cannot exist without being documented (a test holds the two together).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import Flask

from app.api import events_schema

F = TypeVar("F", bound=Callable[..., Any])
OPERATION_ATTRIBUTE = "__openapi_operation__"
_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")
# `<int:...>` is a BIGINT row id (app.api.query.RowIdConverter): a larger one matches no route.
_CONVERTER_TYPES = {
    "int": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
    "string": {"type": "string"},
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}


def operation(
    *,
    summary: str,
    tags: Sequence[str] = (),
    parameters: Sequence[Mapping[str, Any]] = (),
    request: Mapping[str, Any] | None = None,
    responses: Mapping[int, Mapping[str, Any] | None],
    public: bool = False,
) -> Callable[[F], F]:
    """Describe a route. `responses` maps status to a JSON schema (None: no body)."""

    def decorate(view: F) -> F:
        setattr(
            view,
            OPERATION_ATTRIBUTE,
            {
                "summary": summary,
                "tags": list(tags),
                "parameters": [dict(p) for p in parameters],
                "request": request,
                "responses": dict(responses),
                "public": public,
            },
        )
        return view

    return decorate


def documented_query(view: Callable[..., Any]) -> set[str] | None:
    """The query parameters `view`'s operation documents, or None if it has no operation."""
    spec = getattr(view, OPERATION_ATTRIBUTE, None)
    if spec is None:
        return None
    return {p["name"] for p in spec["parameters"] if p.get("in") == "query"}


def openapi_path(rule: str) -> str:
    return _CONVERTER.sub(r"{\1}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    found = re.findall(r"<(?:([a-z_]+):)?([a-zA-Z_][a-zA-Z0-9_]*)>", rule)
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _CONVERTER_TYPES.get(converter or "string", {"type": "string"}),
        }
        for converter, name in found
    ]


def _operation_object(spec: Mapping[str, Any], rule: str) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, schema in sorted(spec["responses"].items()):
        entry: dict[str, Any] = {"description": f"HTTP {status}"}
        if schema is not None:
            # A schema may name another media type (a CSV download): {"x-media-type": ...}.
            media = schema.get("x-media-type", "application/json")
            body = {key: value for key, value in schema.items() if key != "x-media-type"}
            entry["content"] = {media: {"schema": body}}
        responses[str(status)] = entry
    if not spec["public"]:
        responses.setdefault("401", _error("Missing or invalid session token"))
    request_media = (spec["request"] or {}).get("x-media-type", "application/json")
    if spec["request"] is not None and request_media == "application/json":
        # app.api.body.json_body: every JSON route answers these before it reads a field.
        responses.setdefault("400", _error("The body is not a JSON object (invalid_json)"))
        responses.setdefault("415", _error("The body is not sent as application/json"))
    # app.api.errors.unavailable: PostgreSQL or Redis unreachable, with Retry-After.
    responses.setdefault("503", _error("A dependency is unavailable; retry after Retry-After"))
    result: dict[str, Any] = {
        "summary": spec["summary"],
        "tags": spec["tags"],
        "parameters": _path_parameters(rule) + spec["parameters"],
        "responses": responses,
    }
    if spec["request"] is not None:
        # A request may name another media type (a file upload): {"x-media-type": ...}.
        body = {key: value for key, value in spec["request"].items() if key != "x-media-type"}
        result["requestBody"] = {"required": True, "content": {request_media: {"schema": body}}}
    if not spec["public"]:
        result["security"] = [{"sessionToken": []}]
    return result


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def build_document(app: Flask, prefix: str = "/api") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        spec = getattr(app.view_functions[rule.endpoint], OPERATION_ATTRIBUTE, None)
        if spec is None:
            raise LookupError(f"{rule.rule} has no @operation: document it")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _operation_object(
                spec, rule.rule
            )
    return {
        "openapi": "3.1.0",
        "info": {"title": "PriceBridge API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "sessionToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The App Bridge session token (shopify.idToken()).",
                }
            },
            # Each live event's schema, for /ws and GET /api/events (app.api.events_schema).
            "schemas": {"Error": ERROR_SCHEMA, **events_schema.components()},
        },
        "x-websocket": events_schema.websocket_document(),
    }
