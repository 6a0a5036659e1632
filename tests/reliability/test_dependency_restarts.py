"""Redis restarted, and PostgreSQL restarted, under load (issue 14, part 3).

While pushes, polls and webhooks are in flight, the suite's own Redis is SIGKILLed (its queues,
locks and live events are gone) or its own PostgreSQL is stopped `immediate` (connections cut,
no checkpoint), stays down `RESTART_OUTAGE_SECONDS`, and comes back; nothing is restarted by
hand. Three shops keep it busy across the fault:

- one pushing approved prices to a Shopify that takes 1.5 s a call (changes `pushing` and
  `approved` when the dependency goes);
- one whose ten new links, made while those prices are written, are being polled through an
  Oxylabs that takes 3 s a push-pull request (batches claimed and waiting behind the pushes,
  or being submitted; tickets uncollected);
- one receiving signed webhooks, 10 a second, until after the restart; a delivery still
  refused after the simulator's retries is sent again under its id, as Shopify does later.

Meanwhile a dashboard reads pages and asks for refreshes: every answer must be a 2xx or a 503
with Retry-After. Figures (tests/reliability/figures.py): lost (a price not written, a product
not observed, a delivery not handled), duplicated (a second price write, observation or
handling), 5xx, the seconds from the restart until all three shops converged, under 60, and
the Oxylabs results the shops recorded against those the simulator billed, equal.
`make test` runs a 6 s outage; bench/reliability a 20 s one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg

from tests.reliability.figures import Figures, report
from tests.reliability.load import Dashboard, Webhooks
from tests.reliability.shops import Merchant, install, settled_usage, timed, wait_for_proposals
from tests.reliability.stack import Stack, http_json

OUTAGE_SECONDS = float(os.environ.get("RESTART_OUTAGE_SECONDS", "6"))
# Traffic goes on this long after the restart, then stops; convergence is timed from the restart.
LOAD_AFTER_SECONDS = 5.0
SHOPIFY_SECONDS = 1.5
OXYLABS_SECONDS = 3.0
CONVERGE_WAIT = 150.0


def test_redis_restarted_under_load(stack: Stack) -> None:
    _restart_under_load(stack, "redis", stack.redis.stop, stack.redis.start)


def test_postgresql_restarted_under_load(stack: Stack) -> None:
    _restart_under_load(
        stack,
        "postgresql",
        lambda: stack.postgres.stop("immediate"),
        stack.postgres.start,
    )


def _restart_under_load(
    stack: Stack, name: str, stop: Callable[[], None], start: Callable[[], None]
) -> None:
    pusher = install(stack, f"{name}-push.myshopify.com", products=6)
    proposals = wait_for_proposals(pusher)
    receiver = install(stack, f"{name}-hooks.myshopify.com", products=1)
    slow = {"kind": "timeout", "shop": pusher.shop, "sleep_seconds": SHOPIFY_SECONDS, "count": 60}
    assert http_json("POST", f"{stack.shopify_url}/_sim/graphql/faults", slow)[0] == 201
    stack.configure_oxylabs(push_pull_latency_seconds=OXYLABS_SECONDS)
    webhooks = Webhooks(stack, receiver.shop)
    dashboard = Dashboard(pusher)
    try:
        webhooks.start()
        dashboard.start()
        for product_id in proposals:
            status, body = pusher.api("POST", f"/products/{product_id}/push")
            assert status == 202, body
        changes = [change["id"] for change in proposals.values()]
        # Linked while the pushes run: their batches are claimed and wait behind the pushes
        # (the push queue goes first), or are with Oxylabs, when the dependency goes.
        poller = install(stack, f"{name}-poll.myshopify.com", products=10)
        _wait(
            lambda: "pushing" in _states(stack, changes).values() and _unsubmitted(stack, poller),
            60,
            "a push and a claimed batch in flight",
        )
        in_flight = _in_flight(stack, changes, poller, webhooks)
        stop()
        time.sleep(OUTAGE_SECONDS)
        start()
        back = time.monotonic()
        time.sleep(LOAD_AFTER_SECONDS)
    finally:
        webhooks.stop()
        dashboard.stop()
        stack.configure_oxylabs(push_pull_latency_seconds=0)
    webhooks.redeliver_refused()

    def converged() -> bool:
        states = _states(stack, changes)
        return (
            all(state == "pushed" for state in states.values())
            and all(_observations(stack, poller).values())
            and not webhooks.unhandled()
        )

    done = _wait(converged, CONVERGE_WAIT, f"{name} restart: all three shops converged")
    seconds = timed(back) if done else float("inf")
    time.sleep(3)  # a late second write, observation or handling would show by now
    prices = pusher.shopify_prices()
    unpushed = sum(
        1
        for product_id, change in proposals.items()
        if prices[pusher.variant_gids[product_id]] != Decimal(change["proposed_price"])
    )
    observed = _observations(stack, poller)
    unobserved = sum(1 for count in observed.values() if count == 0)
    unhandled = len(webhooks.unhandled())
    double_writes = pusher.price_writes() - len(proposals)
    double_observations = sum(count - 1 for count in observed.values() if count > 1)
    double_handled = webhooks.handled_twice()
    hook_answers = webhooks.answers()
    hook_errors = sum(n for status, n in hook_answers.items() if status >= 500 and status != 503)
    alive = [p for p in ("web", "worker", "scheduler") if stack.processes[p].alive()]
    figures = Figures(
        f"{name} restart under load",
        unpushed + unobserved + unhandled,
        double_writes + double_observations + double_handled,
        pusher.server_errors + hook_errors,
        seconds,
        f"{OUTAGE_SECONDS:g} s down; in flight at the fault {in_flight}; lost "
        f"{unpushed} prices, {unobserved} polls, {unhandled} webhooks; duplicated "
        f"{double_writes} writes, {double_observations} observations, {double_handled} "
        f"webhooks; dashboard answers {dict(pusher.answers)}; webhook answers "
        f"{dict(hook_answers)}; alive {', '.join(alive)}",
        settled_usage(stack),
    )
    report(figures)
    # The fault met work in flight, and was answered as an outage; nothing needed a restart.
    assert in_flight["changes unpushed"], in_flight
    assert in_flight["polls claimed, not submitted"], in_flight
    assert pusher.answers[503] + hook_answers[503] > 0, "the outage was never seen"
    assert alive == ["web", "worker", "scheduler"], alive


def _wait(check: Callable[[], bool], timeout: float, what: str) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except psycopg.OperationalError:
            pass  # PostgreSQL is still starting
        time.sleep(0.5)
    print(f"\n  {what}: not true after {timeout:.0f} s")
    return False


def _query(stack: Stack, sql: str, params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.postgres.url, connect_timeout=5) as connection:
        return connection.execute(sql, params).fetchall()


def _states(stack: Stack, change_ids: list[int]) -> dict[int, str]:
    rows = _query(stack, "SELECT id, state FROM price_change WHERE id = ANY(%s)", (change_ids,))
    return {int(row[0]): str(row[1]) for row in rows}


def _observations(stack: Stack, merchant: Merchant) -> dict[int, int]:
    rows = _query(
        stack,
        "SELECT p.id, count(o.id) FROM product p LEFT JOIN observation o ON o.product_id = p.id"
        " WHERE p.id = ANY(%s) GROUP BY p.id",
        (merchant.product_ids,),
    )
    return {int(row[0]): int(row[1]) for row in rows}


def _unsubmitted(stack: Stack, merchant: Merchant) -> int:
    """The merchant's products claimed for a poll (their next poll moved on) with no provider
    ticket and no observation yet: their batch waits to be submitted, or is being submitted."""
    rows = _query(
        stack,
        "SELECT count(*) FROM product p WHERE p.id = ANY(%s) AND p.next_poll_at > now()"
        " AND NOT EXISTS (SELECT 1 FROM scrape_job s"
        "  WHERE s.product_id = p.id AND s.provider_job_id IS NOT NULL)"
        " AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.product_id = p.id)",
        (merchant.product_ids,),
    )
    return int(rows[0][0])


def _in_flight(
    stack: Stack, changes: list[int], poller: Merchant, webhooks: Webhooks
) -> dict[str, int]:
    states = _states(stack, changes)
    return {
        "changes unpushed": sum(1 for state in states.values() if state != "pushed"),
        "polls claimed, not submitted": _unsubmitted(stack, poller),
        "products unobserved": sum(1 for n in _observations(stack, poller).values() if n == 0),
        "webhooks unhandled": len(webhooks.unhandled()),
    }
