"""The real Shopify Admin GraphQL schema, loaded once per process from the introspection fixture."""

from __future__ import annotations

import gzip
import json
import os
from functools import lru_cache
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

API_VERSION = "2026-10"
SCHEMA_ENV = "SHOPIFY_SIM_ADMIN_SCHEMA"


def default_schema_path() -> Path:
    """`<repo>/../shared/fixtures/shopify/admin_2026-10.json.gz`, or `$SHOPIFY_SIM_ADMIN_SCHEMA`."""
    override = os.environ.get(SCHEMA_ENV)
    if override:
        return Path(override)
    repo_root = Path(__file__).resolve().parents[3]
    return repo_root.parent / "shared" / "fixtures" / "shopify" / f"admin_{API_VERSION}.json.gz"


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
    return build_client_schema(introspection)
