"""A stand-in for Shopify's Admin GraphQL API, validated against the real 2026-10 schema."""

from __future__ import annotations

from simulators.shopify.graphql.api import AdminGraphQL, register_admin_api

__all__ = ["AdminGraphQL", "register_admin_api"]
