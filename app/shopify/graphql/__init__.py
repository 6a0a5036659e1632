"""Shopify Admin GraphQL: documents in queries/*.graphql, a cost-aware client, typed errors."""
