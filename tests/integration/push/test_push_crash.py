"""A real `flask worker` SIGKILLed mid-push, 20 times: every change pushed exactly once.

Each round approves one change, starts a worker (its own process group, so the work horse
dies with it), waits until the change is committed as ``pushing``, lets the request reach
the simulator (which answers after 0.6 s of injected latency) for a varying while, and kills
the group. The recovery then reads prices back: a write that landed is confirmed without a
second call, one that never left is sent again once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

import pytest
from flask import Flask
from sqlalchemy import select

from app.broker import current_broker
from app.clock import utcnow
from app.extensions import db
from app.models import PriceChange, Product
from app.price_changes.propose import on_observation
from app.push import jobs
from app.push.push import push_shop
from app.push.reconcile import PUSH_LEASE, finish_abandoned
from tests.integration.conftest import T0, LiveShopify, linked_shop
from tests.integration.factories import make_observation
from tests.support import ROOT, make_env

ROUNDS = 20
LATENCY = 0.6


@pytest.fixture
def worker_env(pricing_app: Flask, shopify: LiveShopify, tmp_path: Path) -> dict[str, str]:
    settings = pricing_app.extensions["pricebridge.settings"]
    env = dict(os.environ)
    env.update(
        make_env(
            tmp_path,
            DATABASE_URL=settings.database_url,
            REDIS_URL=settings.redis_url,
            SHOPIFY_ADMIN_ORIGIN=shopify.admin_origin,
        )
    )
    return env


def _wait_for(predicate: object, timeout: float = 120.0) -> None:
    # Generous: a worker process starting on a loaded 2-core machine has taken over 20 s.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for the worker")


def _state(change_id: int) -> str:
    db.session.rollback()
    state = db.session.scalar(select(PriceChange.state).where(PriceChange.id == change_id))
    return str(state)


def _one_round(
    shop_id: int, change: PriceChange, env: dict[str, str], delay: float, log: IO[bytes]
) -> None:
    change.state = "approved"
    change.approved_by = "crash-test"
    db.session.commit()
    stale = current_broker().queue("push").fetch_job(f"push-{shop_id}")
    if stale is not None:
        stale.delete()  # the previous round's job died with its worker
    jobs.push_shop_changes.enqueue(shop_id)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--queues", "push"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        _wait_for(lambda: _state(change.id) != "approved")
        time.sleep(delay)
    finally:
        _kill_worker_and_horse(worker.pid)
        worker.wait(timeout=10)


def _kill_worker_and_horse(pid: int) -> None:
    """SIGKILL the worker's process group and its work horse, which RQ forks into a session
    (and so a process group) of its own."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for group in (*map(int, children), pid):
        with contextlib.suppress(ProcessLookupError):  # a horse that already exited
            os.killpg(group, signal.SIGKILL)


def test_sigkill_mid_push_twenty_times_loses_nothing_and_doubles_nothing(
    pricing_app: Flask, shopify: LiveShopify, worker_env: dict[str, str], tmp_path: Path
) -> None:
    shop, products = linked_shop(shopify, products=ROUNDS)
    changes: list[PriceChange] = []
    for product in products:
        observation = make_observation(product, price=Decimal("40.00"), observed_at=T0)
        db.session.commit()
        on_observation(product.id, observation.id)
        changes.append(
            db.session.scalars(
                select(PriceChange).where(PriceChange.product_id == product.id)
            ).one()
        )
    shopify.arm(kind="timeout", sleep_seconds=LATENCY, count=1000)
    for index, change in enumerate(changes):
        # 0 .. 0.8 s after pushing was committed: before, during and after the request.
        with (tmp_path / f"worker-{index}.log").open("wb") as log:
            try:
                _one_round(shop.id, change, worker_env, (index % 5) * 0.2, log)
            except AssertionError as error:
                worker_log = (tmp_path / f"worker-{index}.log").read_text()[-3000:]
                raise AssertionError(f"{error}; the worker said:\n{worker_log}") from error
    time.sleep(LATENCY + 0.5)  # requests the killed workers left in flight finish

    db.session.rollback()
    states_after_kills = [_state(c.id) for c in changes]
    assert "pushing" in states_after_kills  # the kills really landed mid-push
    finish_abandoned(shop.id, now=utcnow() + PUSH_LEASE + timedelta(seconds=1))
    push_shop(shop.id)  # anything killed before its claim committed is still approved

    db.session.expire_all()
    prices = shopify.prices(shop.domain)
    how = []
    for change, product in zip(changes, products, strict=True):
        row = db.session.get(PriceChange, change.id)
        assert row is not None
        assert row.state in ("pushed", "failed"), (row.id, row.state)
        if row.state == "failed":
            assert row.error
            continue
        assert row.confirmed_price == row.proposed_price
        assert prices[product.shopify_variant_gid] == row.proposed_price
        assert shopify.updates[product.shopify_product_gid] == 1, product.shopify_product_gid
        how.append((row.shopify_response or {}).get("via"))
        fresh = db.session.get(Product, product.id)
        assert fresh is not None
        assert fresh.shopify_price == row.proposed_price
    assert len(how) == ROUNDS
    assert "read-back" in how  # some writes landed while their worker was already dead
