"""Price-change jobs: learn the shop's currency (and reprice when it changed). The shop's
repricing job is `app.price_changes.settings.reprice_shop` itself."""

from __future__ import annotations

from app.extensions import db
from app.jobs.decorators import job
from app.models import Shop
from app.price_changes.settings import reprice_shop
from app.price_changes.state import AUTO_ACTOR
from app.shopify import signals
from app.shopify.graphql.operations import read_shop_currency
from app.shopify.graphql.shop_client import admin_client


@job(
    "default",
    timeout=120,
    retry_intervals=(10, 60, 300),
    job_id=lambda shop_id: f"shop-currency-{shop_id}",
)
def sync_shop_currency(shop_id: int) -> str | None:
    """Read the shop's currency from Shopify; when it changed, reprice every product.

    Until it is known every quote is held (Amazon's price cannot be compared), so a new
    install runs this at once, and the reconciliation keeps it current.
    """
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return None
    code = read_shop_currency(admin_client(shop))
    # As committed now: shop/redact may have erased it, app/uninstalled stopped it, meanwhile.
    shop = db.session.get(Shop, shop_id, with_for_update=True, populate_existing=True)
    if shop is None or not shop.is_installed:
        db.session.rollback()
        return None
    if code != shop.currency:
        shop.currency = code
        db.session.commit()
        reprice_shop.enqueue(shop_id, AUTO_ACTOR)
    else:
        db.session.rollback()
    return code


def on_shop_installed(shop: Shop) -> None:
    """Receiver of `app.shopify.signals.shop_installed`: learn an unknown currency."""
    if shop.currency is None:
        sync_shop_currency.enqueue(shop.id)


def connect() -> None:
    """Called by `create_app`: react to installs."""
    signals.shop_installed.connect(on_shop_installed)
