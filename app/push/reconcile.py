"""Reading Shopify's prices back: finishing abandoned pushes, and flagging drift.

A change left in ``pushing`` longer than ``PUSH_LEASE`` lost its worker (killed, timed out).
Its variant's price is read back: equal to the proposed price means the write landed
(``pushed``, no second call); otherwise it is sent again with the same idempotency key. The
lease is longer than any HTTP attempt can live, so a write still in flight is never doubled.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.models.types import utcnow
from app.observability import metrics
from app.price_changes.ledger import commit_and_publish
from app.price_changes.state import ChangeState
from app.push.push import MAX_ATTEMPTS, Claimed, PushReport, _fail, confirm, send
from app.realtime.events import publish_event
from app.shopify.graphql.errors import ShopifyError
from app.shopify.graphql.operations import read_variant_prices
from app.shopify.graphql.shop_client import admin_client

S = ChangeState
PUSH_LEASE = timedelta(minutes=5)
BATCH = 250


def abandoned_shops(now: datetime) -> list[int]:
    """Installed shops with a change stuck in pushing past the lease (for the periodic task)."""
    cutoff = now - PUSH_LEASE
    return list(
        db.session.scalars(
            select(PriceChange.shop_id)
            .join(Shop, Shop.id == PriceChange.shop_id)
            .where(
                Shop.installed_at.is_not(None),
                Shop.uninstalled_at.is_(None),
                PriceChange.state == S.PUSHING.value,
                PriceChange.updated_at < cutoff,
            )
            .distinct()
        )
    )


def _claim_abandoned(shop_id: int, now: datetime) -> list[Claimed]:
    rows = db.session.execute(
        select(PriceChange, Product)
        .join(Product, Product.id == PriceChange.product_id)
        .where(
            PriceChange.shop_id == shop_id,
            PriceChange.state == S.PUSHING.value,
            PriceChange.updated_at < now - PUSH_LEASE,
        )
        .order_by(PriceChange.id)
        .limit(BATCH)
        .with_for_update(of=PriceChange, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for change, _product in rows:
        change.updated_at = now  # a new lease: another reconciler leaves these alone
    db.session.commit()
    return [(change, product) for change, product in rows]


def recover_pushing(shop_id: int, *, now: datetime | None = None) -> PushReport:
    """Finish every abandoned push of the shop exactly once (``now`` decides the lease)."""
    report = PushReport()
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        return report
    moment = now or utcnow()
    client = admin_client(shop)
    while claimed := _claim_abandoned(shop_id, moment):
        gids = [product.shopify_variant_gid for _change, product in claimed]
        try:
            prices = read_variant_prices(client, gids)
        except ShopifyError as error:
            for change, _product in claimed:
                change.error = f"read-back failed: {error}"
            db.session.commit()
            raise
        resend: list[Claimed] = []
        for change, product in claimed:
            current = prices.get(product.shopify_variant_gid)
            if current is not None and current == change.proposed_price:
                confirm(change, product, current, now=utcnow(), how="read-back")
                report.pushed += 1
            elif current is None or change.attempts >= MAX_ATTEMPTS:
                why = "variant not found" if current is None else "attempts exhausted"
                _fail(change, {"message": why}, now=utcnow(), report=report)
            else:
                change.attempts += 1
                resend.append((change, product))
        commit_and_publish()
        if resend:
            send(client, shop, resend, clock=utcnow, report=report)
    return report


def reconcile_shop(shop_id: int, *, now: datetime | None = None) -> int:
    """Read every linked variant's price back; flag the products whose price drifted."""
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return 0
    moment = now or utcnow()
    client = admin_client(shop)
    in_flight = select(PriceChange.product_id).where(PriceChange.state == S.PUSHING.value)
    drifted = 0
    last_id = 0
    while True:
        products = list(
            db.session.scalars(
                select(Product)
                .where(Product.shop_id == shop_id, Product.id > last_id)
                .where(Product.id.not_in(in_flight))
                .order_by(Product.id)
                .limit(BATCH)
            )
        )
        if not products:
            break
        last_id = products[-1].id
        prices = read_variant_prices(client, [p.shopify_variant_gid for p in products])
        drifted += _flag_drift(shop, products, prices, moment)
    return drifted


def _flag_drift(
    shop: Shop, products: list[Product], prices: dict[str, Decimal], now: datetime
) -> int:
    events: dict[int, dict[str, object]] = defaultdict(dict)
    for product in products:
        current = prices.get(product.shopify_variant_gid)
        if current is None or current == product.shopify_price:
            continue
        if product.shopify_price is None:  # first read, nothing to drift from
            product.shopify_price, product.shopify_price_at = current, now
            continue
        events[product.id] = {
            "product_id": product.id,
            "drift": {"expected": str(product.shopify_price), "shopify": str(current)},
        }
        product.price_drift_at = now
        product.shopify_price = current
        product.shopify_price_at = now
    db.session.commit()
    metrics.reconciliation_drift(len(events))
    for data in events.values():
        publish_event(shop.id, "product", data)
    return len(events)
