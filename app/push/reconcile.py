"""Reading Shopify's prices back: finishing abandoned pushes, and flagging drift.

A change left in ``pushing`` lost its worker (killed, timed out, its Redis or PostgreSQL
restarted) when no push job of its shop is alive any more (``in_flight`` says so: the caller
asks RQ, judged by the job's heartbeat) and ``RECOVERY_GRACE`` has passed, or in any case
after ``PUSH_LEASE``. Its variant's price is read back: equal to the proposed price means the
write landed (``pushed``, no second call); otherwise it is sent again with the same
idempotency key. While the shop's push job is alive a write may be in flight, so only the
lease, longer than any HTTP attempt can live, lets a reconciler touch its changes: a write is
never doubled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, Product, Shop
from app.observability import metrics
from app.price_changes.ledger import commit_and_publish
from app.price_changes.state import ChangeState
from app.push.push import (
    MAX_ATTEMPTS,
    Claimed,
    PushReport,
    confirm,
    fail,
    present_rows,
    send,
)
from app.realtime.events import publish_event
from app.shopify.graphql.errors import ShopifyError
from app.shopify.graphql.operations import read_variant_prices
from app.shopify.graphql.shop_client import admin_client

S = ChangeState
PUSH_LEASE = timedelta(minutes=5)
# A pushing change this old whose shop has no live push job was abandoned. It only keeps a
# change claimed a moment ago, in a transaction racing the check, from being taken.
RECOVERY_GRACE = timedelta(seconds=10)
BATCH = 250

InFlight = Callable[[int], bool]


def _nothing_in_flight(shop_id: int) -> bool:
    return False


def abandoned_shops(now: datetime, in_flight: InFlight = _nothing_in_flight) -> list[int]:
    """Installed shops with a change left in pushing by a push that is no longer alive (or
    past the lease), for the periodic task; `in_flight(shop_id)` is True while the shop's
    push job is alive."""
    rows = db.session.execute(
        select(PriceChange.shop_id, func.min(PriceChange.updated_at))
        .join(Shop, Shop.id == PriceChange.shop_id)
        .where(
            Shop.installed_at.is_not(None),
            Shop.uninstalled_at.is_(None),
            PriceChange.state == S.PUSHING.value,
            PriceChange.updated_at < now - RECOVERY_GRACE,
        )
        .group_by(PriceChange.shop_id)
    ).all()
    return [
        shop_id for shop_id, oldest in rows if oldest < now - PUSH_LEASE or not in_flight(shop_id)
    ]


@dataclass(frozen=True)
class _Abandoned:
    """A change taken for recovery, by ids and values: its rows may vanish during the read."""

    change_id: int
    product_id: int
    variant_gid: str


def _claim_abandoned(shop_id: int, now: datetime, cutoff: datetime) -> list[_Abandoned]:
    rows = db.session.execute(
        select(PriceChange, Product)
        .join(Product, Product.id == PriceChange.product_id)
        .where(
            PriceChange.shop_id == shop_id,
            PriceChange.state == S.PUSHING.value,
            PriceChange.updated_at < cutoff,
        )
        .order_by(PriceChange.id)
        .limit(BATCH)
        .with_for_update(of=PriceChange, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    taken = []
    for change, product in rows:
        change.updated_at = now  # a new lease: another reconciler leaves these alone
        taken.append(_Abandoned(change.id, product.id, product.shopify_variant_gid))
    db.session.commit()
    return taken


def finish_abandoned(
    shop_id: int, *, now: datetime | None = None, in_flight: InFlight = _nothing_in_flight
) -> PushReport:
    """Finish every abandoned push of the shop exactly once (``now`` decides the lease).

    While `in_flight(shop_id)` (the shop's push job is alive) only changes past the lease are
    taken; otherwise every change pushing for longer than ``RECOVERY_GRACE``. Nothing is read
    for a shop no longer installed (its token is dead); a change unlinked while its price is
    read back is simply not recorded."""
    report = PushReport()
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return report
    moment = now or utcnow()
    cutoff = moment - (PUSH_LEASE if in_flight(shop_id) else RECOVERY_GRACE)
    client = admin_client(shop)
    while claimed := _claim_abandoned(shop_id, moment, cutoff):
        pairs = [(taken.change_id, taken.product_id) for taken in claimed]
        try:
            prices = read_variant_prices(client, [taken.variant_gid for taken in claimed])
        except ShopifyError as error:
            for change, _product in present_rows(pairs).values():
                change.error = f"read-back failed: {error}"
            db.session.commit()
            raise
        present = present_rows(pairs)
        resend: list[Claimed] = []
        for taken in claimed:
            if taken.change_id not in present:
                continue  # unlinked (or erased) while Shopify answered: nothing to record
            change, product = present[taken.change_id]
            current = prices.get(product.shopify_variant_gid)
            if current is not None and current == change.proposed_price:
                confirm(change, product, current, now=utcnow(), how="read-back")
                report.pushed += 1
            elif current is None or change.attempts >= MAX_ATTEMPTS:
                why = "variant not found" if current is None else "attempts exhausted"
                fail(change, {"message": why}, now=utcnow(), report=report)
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
        ids = [p.id for p in products]
        gids = [p.shopify_variant_gid for p in products]
        db.session.rollback()  # hold no transaction (and no row) across the HTTP read
        prices = read_variant_prices(client, gids)
        drifted += _flag_drift(shop, _still_linked(ids), prices, moment)
    return drifted


def _still_linked(ids: list[int]) -> list[Product]:
    """The products of `ids` that still exist, locked, with their current values.

    A merchant may unlink a product (or a shop/redact erase it) while Shopify is being read:
    that product is simply gone here, instead of failing the whole job on an UPDATE that
    matches no row (StaleDataError). A row locked by its own push or refresh is skipped; the
    next reconciliation reads it.
    """
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.id.in_(ids))
            .order_by(Product.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )


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
