"""A stand-in for Shopify's Admin GraphQL API, validated against the real 2026-10 schema."""

from __future__ import annotations

from simulators.shopify.graphql.api import AdminGraphQL, mount_admin_api, register_admin_api
from simulators.shopify.graphql.catalogue import add_catalogue
from simulators.shopify.graphql.faults import Fault
from simulators.shopify.graphql.store import Store

__all__ = [
    "AdminGraphQL",
    "Fault",
    "Store",
    "add_catalogue",
    "mount_admin_api",
    "register_admin_api",
]
