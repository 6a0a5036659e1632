"""Push jobs: send approved prices, recover abandoned pushes, read prices back, sync stock.
They take ids, call the services, and are enqueued after the commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from app.broker import current_broker
from app.extensions import db
from app.jobs.decorators import job
from app.jobs.liveness import job_alive
from app.models import PriceChange, Shop
from app.price_changes.jobs import sync_shop_currency
from app.price_changes.signals import changes_approved, stock_sync_wanted
from app.price_changes.state import ChangeState
from app.push import push, reconcile, stock

# An approved change waiting this long was missed by its push job (enqueued while a job for
# the shop was finishing, or lost with Redis): the sweep enqueues the shop again. Enqueueing
# is a no-op while the shop's push job waits or runs, so a short delay costs nothing.
SWEEP_AFTER = timedelta(seconds=10)


def push_job_id(shop_id: int) -> str:
    return f"push-{shop_id}"


@job("push", timeout=600, retry_intervals=(5, 30, 120), job_id=push_job_id)
def push_shop_changes(shop_id: int) -> dict[str, int]:
    report = push.push_shop(shop_id)
    return vars(report)


def push_in_flight(shop_id: int) -> bool:
    """True while the shop's push job waits or runs with a current heartbeat (a write may be
    in flight); False once it finished, failed for good, or died with its worker."""
    spec = push_shop_changes.spec
    return job_alive(current_broker().redis, spec.queue, push_job_id(shop_id))


@job(
    "push",
    timeout=600,
    retry_intervals=(30, 120),
    job_id=lambda shop_id: f"recover-pushing-{shop_id}",
)
def recover_pushing(shop_id: int) -> dict[str, int]:
    return vars(reconcile.finish_abandoned(shop_id, in_flight=push_in_flight))


@job("default", timeout=1800, retry_intervals=(60,), job_id=lambda shop_id: f"reconcile-{shop_id}")
def reconcile_prices(shop_id: int) -> int:
    return reconcile.reconcile_shop(shop_id)


@job(
    "push",
    timeout=120,
    retry_intervals=(10, 60, 300),
    job_id=lambda product_id: f"inventory-{product_id}",
)
def sync_inventory(product_id: int) -> str:
    return stock.sync_stock(product_id)


def installed() -> ColumnElement[bool]:
    """Shops the app may still call Shopify for (an uninstalled shop's token is dead)."""
    return Shop.installed_at.is_not(None) & Shop.uninstalled_at.is_(None)


def enqueue_missed_pushes(now: datetime) -> int:
    """Periodic: installed shops with approved changes older than the sweep delay get a push."""
    shops = list(
        db.session.scalars(
            select(PriceChange.shop_id)
            .join(Shop, Shop.id == PriceChange.shop_id)
            .where(
                installed(),
                PriceChange.state == ChangeState.APPROVED.value,
                PriceChange.updated_at < now - SWEEP_AFTER,
            )
            .distinct()
        )
    )
    db.session.rollback()
    for shop_id in shops:
        push_shop_changes.enqueue(shop_id)
    return len(shops)


def enqueue_recoveries(now: datetime) -> int:
    """Periodic: installed shops with pushes abandoned by a push job that is no longer alive
    (or past the lease) get a recovery job."""
    shops = reconcile.abandoned_shops(now, push_in_flight)
    db.session.rollback()
    for shop_id in shops:
        recover_pushing.enqueue(shop_id)
    return len(shops)


def enqueue_reconciliations(now: datetime) -> int:
    """Periodic: every installed shop's prices are read back, and its currency."""
    shops = list(db.session.scalars(select(Shop.id).where(installed()).order_by(Shop.id)))
    db.session.rollback()
    for shop_id in shops:
        reconcile_prices.enqueue(shop_id)
        sync_shop_currency.enqueue(shop_id)
    return len(shops)


def on_changes_approved(shop_id: int) -> None:
    """Receiver of `app.price_changes.signals.changes_approved`: push the shop."""
    push_shop_changes.enqueue(shop_id)


def on_stock_sync_wanted(product_id: int) -> None:
    """Receiver of `app.price_changes.signals.stock_sync_wanted`: sync the product's stock."""
    sync_inventory.enqueue(product_id)


def connect() -> None:
    """Called by `create_app`: act on what the price-change outbox announces."""
    changes_approved.connect(on_changes_approved)
    stock_sync_wanted.connect(on_stock_sync_wanted)
