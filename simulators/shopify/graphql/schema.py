"""The real Shopify Admin GraphQL schema, loaded once per process from the introspection fixture."""

from __future__ import annotations

import gzip
import json
import os
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    ValueNode,
    build_client_schema,
    value_from_ast_untyped,
)

API_VERSION = "2026-10"
SCHEMA_ENV = "SHOPIFY_SIM_ADMIN_SCHEMA"


def default_schema_path() -> Path:
    """`simulators/shopify/data/admin_2026-10.json.gz`, or `$SHOPIFY_SIM_ADMIN_SCHEMA`."""
    override = os.environ.get(SCHEMA_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "data" / f"admin_{API_VERSION}.json.gz"


@lru_cache(maxsize=4)
def load_schema(path: Path | None = None) -> GraphQLSchema:
    """Build the client schema; cached because building it takes about half a second."""
    source = path or default_schema_path()
    if not source.is_file():
        raise FileNotFoundError(f"Admin GraphQL introspection not found at {source}")
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as handle:
        document = json.load(handle)
    introspection = document.get("data", document)
    if "__schema" not in introspection:
        raise ValueError(f"{source} holds no __schema introspection")
    schema = build_client_schema(introspection)
    _install_money(schema)
    return schema


def parse_money(value: Any) -> Decimal:
    """Shopify's `Money` input: a decimal given as a string or a number."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            amount = Decimal("NaN")
        if amount.is_finite():
            return amount
    raise GraphQLError(f"Could not coerce value {json.dumps(value)} to Money")


def _install_money(schema: GraphQLSchema) -> None:
    # A client schema's custom scalars accept anything; Money must reject what Shopify rejects.
    money = schema.get_type("Money")
    if not isinstance(money, GraphQLScalarType):
        raise ValueError("the Admin schema has no Money scalar")

    def parse_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Decimal:
        return parse_money(value_from_ast_untyped(node, variables))

    money.parse_value = parse_money  # type: ignore[method-assign]
    money.parse_literal = parse_literal  # type: ignore[method-assign]
