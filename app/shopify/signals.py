"""What the Shopify edge announces, for the stages behind it to act on.

The edge (webhook handlers, shop tokens) records what Shopify said and sends one of these;
it never imports the price-change code. `create_app` connects the receivers
(`app.price_changes.override`, `app.price_changes.jobs`). Receivers run synchronously, in
the sender's transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

prices_seen = _signals.signal("shopify-prices-seen")
"""products/update reported variant prices. sender: the `Shop`; `prices`: a list of
(variant gid, price as Decimal in the shop's currency, Shopify's updated_at as aware UTC)."""

shop_installed = _signals.signal("shopify-shop-installed")
"""A shop's offline token was stored and committed. sender: the `Shop`."""

variants_deleted = _signals.signal("shopify-variants-deleted")
"""Linked variants Shopify reports gone. sender: the list of `Product` rows (locked);
`reason`: words for the merchant; `now`: aware UTC."""

dashboard_opened = _signals.signal("shopify-dashboard-opened")
"""The embedded page (/app) is being drawn for an installed shop. sender: the `Shop`; `path`:
the page's path. Each receiver returns a dict of JSON-able parts the page embeds for its first
paint (app.api.page_data: the live stream's seq, settings, summary, the first products)."""
