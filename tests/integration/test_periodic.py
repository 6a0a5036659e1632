"""The pricing periodic tasks: registered with the scheduler, and a tick enqueues the sweep,
the recovery and the reconciliation for installed shops only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Flask

from app.broker import current_broker
from app.extensions import db
from app.jobs.scheduler import PeriodicTask, Scheduler, SchedulerLock
from app.models import PriceChange, Shop
from app.periodic import periodic_tasks
from app.price_changes import retention
from app.push import jobs
from app.push.reconcile import PUSH_LEASE
from tests.integration.conftest import T0
from tests.integration.factories import make_product, make_shop

PRICING_TASKS = {
    "pricing-missed-pushes": jobs.enqueue_missed_pushes,
    "pricing-recover-pushing": jobs.enqueue_recoveries,
    "pricing-reconcile": jobs.enqueue_reconciliations,
}


def test_the_scheduler_runs_the_pricing_tasks(app: Flask) -> None:
    tasks = {task.name: task for task in periodic_tasks()}
    for name, run in PRICING_TASKS.items():
        assert tasks[name].run is run
    assert tasks["pricing-missed-pushes"].every <= timedelta(minutes=1)
    assert tasks["pricing-recover-pushing"].every <= PUSH_LEASE
    assert tasks["pricing-reconcile"].every <= timedelta(days=1)
    assert tasks["pricing-retention"].run is retention.enqueue_sweep


def _shop_with_stuck_changes(*, installed: bool, uninstalled: bool = False) -> Shop:
    """A shop with one approved change the push missed and one push abandoned mid-way."""
    shop = make_shop(
        currency="USD",
        installed_at=T0 if installed else None,
        uninstalled_at=T0 + timedelta(days=1) if uninstalled else None,
    )
    old = T0 - timedelta(hours=1)
    for state in ("approved", "pushing"):
        product = make_product(shop)
        db.session.add(
            PriceChange(
                shop_id=shop.id,
                product_id=product.id,
                state=state,
                proposed_price=Decimal("10.00"),
                currency="USD",
                idempotency_key=f"periodic-{shop.id}-{state}",
                created_at=old,
                updated_at=old,
            )
        )
    return shop


def _queued(queue: str) -> set[str]:
    return set(current_broker().queue(queue).get_job_ids())


def test_a_tick_enqueues_pricing_jobs_for_installed_shops_only(app: Flask) -> None:
    live = _shop_with_stuck_changes(installed=True)
    gone = _shop_with_stuck_changes(installed=True, uninstalled=True)
    never = _shop_with_stuck_changes(installed=False)
    quiet = make_shop(installed_at=T0)  # installed, nothing pending: reconciled only
    db.session.commit()
    tasks = [t for t in periodic_tasks() if t.name in PRICING_TASKS]
    scheduler = Scheduler(SchedulerLock(current_broker().redis), tasks)

    assert sorted(scheduler.tick(T0)) == sorted(PRICING_TASKS)

    assert _queued("push") == {f"push-{live.id}", f"recover-pushing-{live.id}"}
    assert _queued("default") == {
        f"{job}-{shop.id}" for job in ("reconcile", "shop-currency") for shop in (live, quiet)
    }
    for shop in (gone, never):
        assert not any(job.endswith(f"-{shop.id}") for job in _queued("push") | _queued("default"))

    # The next tick within the intervals enqueues nothing more; a job already queued is
    # never queued twice when its task runs again.
    assert scheduler.tick(T0 + timedelta(seconds=1)) == []
    later = T0 + timedelta(hours=7)
    assert sorted(scheduler.tick(later)) == sorted(PRICING_TASKS)
    assert current_broker().queue("push").count == 2
    assert current_broker().queue("default").count == 4  # reconcile + currency, two shops


def test_every_periodic_task_is_a_periodic_task(app: Flask) -> None:
    names = [task.name for task in periodic_tasks()]
    assert all(isinstance(task, PeriodicTask) for task in periodic_tasks())
    assert len(names) == len(set(names))
