"""Every periodic task PriceBridge runs, with its interval; `flask scheduler` runs them.

Each stage owns its sweep (polling, token refresh, missed pushes, abandoned pushes,
reconciliation, webhook deliveries, CSV imports resumed and expired); this module only lists
them, so the scheduler in `app.jobs` imports none of the stages. `create_app` hands the list
to the scheduler.
"""

from __future__ import annotations

from datetime import timedelta

from app.ingest.jobs import ingest_tick
from app.ingest.link_import import enqueue_stalled_imports
from app.ingest.link_import_retention import expire_imports
from app.jobs.scheduler import PeriodicTask
from app.price_changes.retention import enqueue_sweep
from app.push import jobs as push
from app.shopify.token_jobs import enqueue_due_token_refreshes
from app.shopify.webhooks import requeue_waiting_deliveries


def periodic_tasks() -> tuple[PeriodicTask, ...]:
    """The tasks, in the order one tick runs them."""
    return (
        PeriodicTask("ingest", timedelta(seconds=5), ingest_tick),
        PeriodicTask("shopify-token-refresh", timedelta(minutes=1), enqueue_due_token_refreshes),
        PeriodicTask("pricing-missed-pushes", timedelta(seconds=5), push.enqueue_missed_pushes),
        # Every 5 s: a push abandoned by a killed worker is recovered well within a minute.
        PeriodicTask("pricing-recover-pushing", timedelta(seconds=5), push.enqueue_recoveries),
        PeriodicTask("pricing-reconcile", timedelta(hours=6), push.enqueue_reconciliations),
        # Every 5 s: a delivery whose drain was lost (Redis restarted) is handled within 20 s.
        PeriodicTask("webhook-sweep", timedelta(seconds=5), requeue_waiting_deliveries),
        # A CSV import whose worker (or request) was killed is taken up again by its job.
        PeriodicTask("link-import-resume", timedelta(seconds=30), enqueue_stalled_imports),
        # A CSV import not committed within a day expires and its file is dropped.
        PeriodicTask("link-import-expiry", timedelta(minutes=10), expire_imports),
        # Old superseded changes deleted, old finished ones compacted (the policy is there).
        PeriodicTask("pricing-retention", timedelta(hours=1), enqueue_sweep),
    )
