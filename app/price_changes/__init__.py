"""The price-change outbox: from an observation (or a rule change) to an audited price_change.

`propose` (observation -> quote -> price_change), `reprice`, `quote` (a shop's rules and a
product's overrides for the pure formula in `app.pricing`), `approval`, `history`, `summary`,
`settings` (rule changes), `override` (prices set in Shopify by hand), `state` (the state
machine), `ledger` (every move recorded and published), `idempotency`, and `jobs`.
"""
