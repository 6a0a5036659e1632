"""Flask wiring: the per-shop Admin GraphQL endpoint and the `/_sim/graphql` control endpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from graphql import GraphQLError, GraphQLSchema, parse, validate

from simulators.shopify.graphql.schema import API_VERSION, load_schema

Authorize = Callable[[str, str], bool]
ProductUpdateHook = Callable[[str, dict[str, Any]], None]
Clock = Callable[[], datetime]

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


class AdminGraphQL:
    """One simulated Admin GraphQL API serving many shops."""

    def __init__(
        self,
        *,
        authorize: Authorize,
        on_product_update: ProductUpdateHook,
        clock: Clock,
        schema: GraphQLSchema | None = None,
        versions: tuple[str, ...] = (API_VERSION,),
    ) -> None:
        self.authorize = authorize
        self.on_product_update = on_product_update
        self.clock = clock
        self.schema = schema or load_schema()
        self.versions = versions

    def handle(self, shop: str, version: str) -> tuple[Response, int]:
        if version not in self.versions:
            return jsonify({"errors": "Not Found"}), 404
        token = request.headers.get("X-Shopify-Access-Token", "")
        if not self.authorize(shop, token):
            return jsonify({"errors": INVALID_TOKEN}), 401
        body = request.get_json(silent=True) or {}
        try:
            document = parse(str(body.get("query", "")))
        except GraphQLError as error:
            return jsonify({"errors": [error.formatted]}), 200
        errors = validate(self.schema, document)
        if errors:
            return jsonify({"errors": [e.formatted for e in errors]}), 200
        return jsonify({"errors": [{"message": "execution not implemented yet"}]}), 200


def register_admin_api(
    app: Flask, *, authorize: Authorize, on_product_update: ProductUpdateHook, clock: Clock
) -> AdminGraphQL:
    """Mount `POST /shops/<shop>/admin/api/<version>/graphql.json` and the control endpoints."""
    admin = AdminGraphQL(authorize=authorize, on_product_update=on_product_update, clock=clock)
    app.add_url_rule(
        "/shops/<shop>/admin/api/<version>/graphql.json",
        endpoint="shopify_sim_admin_graphql",
        view_func=admin.handle,
        methods=["POST"],
    )
    return admin
