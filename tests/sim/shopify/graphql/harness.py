"""Shared helpers for the Admin GraphQL simulator tests: a fake clock and a request helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from simulators.shopify.graphql import AdminGraphQL

SHOP = "demo.myshopify.com"
TOKEN = "shpat_demo"
URL = f"/shops/{SHOP}/admin/api/2026-10/graphql.json"


@dataclass
class FakeClock:
    now: datetime = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    client: FlaskClient
    admin: AdminGraphQL
    clock: FakeClock
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str = TOKEN
    ) -> tuple[int, dict[str, Any]]:
        response = self.client.post(
            URL,
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token},
        )
        return response.status_code, response.get_json()

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        status, body = self.gql(query, variables)
        assert status == 200, body
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data
