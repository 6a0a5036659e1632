"""What the price-change outbox announces after its commit, for the Shopify write to act on.

`app.push` imports the outbox (its state machine and ledger), so the outbox cannot import
`app.push` back: it sends these instead, and `create_app` connects `app.push.jobs`, which
enqueues the push or the stock sync. Sent only after the commit, as a job must see
committed rows.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

changes_approved = _signals.signal("price-changes-approved")
"""The shop has approved changes waiting for a push. sender: the shop id."""

stock_sync_wanted = _signals.signal("price-changes-stock-sync-wanted")
"""An observation asks for the product's Shopify stock to be zeroed or restored. sender: the
product id."""
