"""SIGKILL of the worker and its work horse mid-push (issue 14, part 3); mid-ingest is in
bench/reliability/scenarios (it does not converge yet).

Each scenario prints its figures: items lost, duplicated, and the seconds to converge after
the kill, which must stay under 60.
"""

from __future__ import annotations

import time

from tests.reliability.shops import (
    install,
    kill_worker_and_horse,
    timed,
    wait_for_proposals,
)
from tests.reliability.stack import Stack, http_json, wait_until

CONVERGE_SECONDS = 60


def test_sigkill_mid_push_pushes_each_change_exactly_once(stack: Stack) -> None:
    merchant = install(stack, "kill-push.myshopify.com", products=3)
    proposals = wait_for_proposals(merchant)
    # The first price write stalls 8 s inside Shopify (it still lands), so the kill is mid-push.
    fault = {"kind": "timeout", "shop": merchant.shop, "sleep_seconds": 8, "count": 1}
    assert http_json("POST", f"{stack.shopify_url}/_sim/graphql/faults", fault)[0] == 201
    for product_id in proposals:
        status, body = merchant.api("POST", f"/products/{product_id}/push")
        assert status == 202, body
    wait_until(
        lambda: any(c["state"] == "pushing" for c in merchant.changes()), 30, "a change pushing"
    )
    time.sleep(1)  # the horse is inside the stalled HTTP call now
    killed_at = time.monotonic()
    worker_pid, horse_pid = kill_worker_and_horse(stack)
    assert horse_pid is not None, "the worker had no work horse to kill"
    stack.processes["worker"].start()

    def all_pushed() -> bool:
        states = {c["product_id"]: c["state"] for c in merchant.changes() if c["id"] in ids}
        return all(state == "pushed" for state in states.values())

    ids = {change["id"] for change in proposals.values()}
    wait_until(all_pushed, 120, "every change pushed after the kill", 0.5)
    converged = timed(killed_at)
    prices = merchant.shopify_prices()
    lost = sum(
        1
        for product_id, change in proposals.items()
        if prices[merchant.variant_gids[product_id]] != _decimal(change["proposed_price"])
    )
    time.sleep(2)  # let any late duplicate write show up in Shopify's log
    duplicated = merchant.price_writes() - len(proposals)
    print(
        f"\nsigkill mid-push: worker {worker_pid} + horse {horse_pid} killed; "
        f"lost {lost}, duplicated {duplicated}, converged in {converged} s"
    )
    assert (lost, duplicated) == (0, 0)
    assert converged < CONVERGE_SECONDS


def _decimal(raw: str) -> object:
    from decimal import Decimal

    return Decimal(raw)
