"""A faithful stand-in for Shopify: OAuth, admin frame, App Bridge, webhooks and Admin GraphQL."""
