"""The Shopify write: `push` (productVariantsBulkUpdate), `reconcile` (confirm what a crashed
push did, read prices back), `stock` (inventory when Amazon runs out), and their `jobs`."""
