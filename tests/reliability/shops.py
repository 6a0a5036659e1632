"""Driving the stack as Shopify and a merchant do: install, link, approve, read back."""

from __future__ import annotations

import os
import signal
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from tests.reliability.stack import Stack, http_call, http_json, wait_until


@dataclass
class Merchant:
    """One installed shop, used through the app's API with fresh session tokens."""

    stack: Stack
    shop: str
    product_ids: list[int] = field(default_factory=list)
    variant_gids: dict[int, str] = field(default_factory=dict)
    # Every answer the app gave this merchant: 5xx ones are a scenario's figure.
    answers: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0

    def token(self) -> str:
        status, body = http_json(
            "POST", f"{self.stack.shopify_url}/_sim/session-token", {"shop": self.shop}
        )
        assert status == 200, body
        return str(body["id_token"])

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token()}"}
        status, decoded, answered = http_call(
            method, f"{self.stack.web_url}/api{path}", body, headers
        )
        self.answers[status] += 1
        # A 503 with Retry-After is the right answer while a dependency is down.
        if status >= 500 and not (status == 503 and answered.get("Retry-After")):
            self.server_errors += 1
            print(f"  {self.shop}: {method} {path} answered {status}: {decoded}")
        return status, decoded

    def observation_counts(self) -> dict[int, int]:
        """How many observations each linked product has (its history, up to 100)."""
        counts: dict[int, int] = {}
        for product_id in self.product_ids:
            status, body = self.api("GET", f"/products/{product_id}?history_limit=100")
            assert status == 200, body
            counts[product_id] = len(body["history"])
        return counts

    def changes(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            status, body = self.api("GET", "/price-changes?" + urllib.parse.urlencode(query))
            assert status == 200, body
            found.extend(body["items"])
            cursor = body.get("next_cursor")
            if not cursor:
                return found

    def latest_change(self, product_id: int) -> dict[str, Any] | None:
        mine = [c for c in self.changes() if c["product_id"] == product_id]
        return max(mine, key=lambda c: c["id"]) if mine else None

    def shopify_prices(self) -> dict[str, Decimal]:
        query = urllib.parse.urlencode({"shop": self.shop})
        status, body = http_json("GET", f"{self.stack.shopify_url}/_sim/graphql/variants?{query}")
        assert status == 200, body
        return {v["id"]: Decimal(v["price"]) for v in body["variants"]}

    def price_writes(self) -> int:
        """Price writes Shopify received for this shop: one products/update each."""
        status, body = http_json("GET", f"{self.stack.shopify_url}/_sim/webhooks")
        assert status == 200, body
        return int(body["counts"].get(self.shop, {}).get("products/update", 0))


def install(stack: Stack, shop: str, products: int) -> Merchant:
    """Install `shop` (managed install, then the first load's token exchange), give it
    `products` Shopify products, and link each variant to an Amazon listing through the API."""
    assert http_json("POST", f"{stack.shopify_url}/_sim/install", {"shop": shop})[0] == 200
    merchant = Merchant(stack, shop)
    query = urllib.parse.urlencode({"embedded": "1", "shop": shop, "id_token": merchant.token()})
    status, _ = http_json("GET", f"{stack.web_url}/app?{query}")
    assert status == 200, f"installing {shop}: HTTP {status}"
    seed = {"shop": shop, "products": products}
    assert http_json("POST", f"{stack.shopify_url}/_sim/graphql/seed", seed)[0] == 201
    status, body = http_json(
        "GET", f"{stack.shopify_url}/_sim/graphql/variants?shop={urllib.parse.quote(shop)}"
    )
    assert status == 200, body
    prefix = "".join(ch for ch in shop.split(".")[0].upper() if ch.isalnum())[:4].ljust(4, "X")
    for number, variant in enumerate(body["variants"][:products]):
        link = {
            "shopify_variant_gid": variant["id"],
            "shopify_product_gid": variant["product_id"],
            "asin": f"B0{prefix}{number:04d}",
            "marketplace": "com",
        }
        status, product = merchant.api("POST", "/products", link)
        assert status == 201, product
        merchant.product_ids.append(int(product["id"]))
        merchant.variant_gids[int(product["id"])] = variant["id"]
    return merchant


def wait_for_proposals(merchant: Merchant, timeout: float = 90) -> dict[int, dict[str, Any]]:
    """The proposed change of each product once every product has been observed (the
    scheduler polls, ingest quotes in the same transaction); a product without a proposed
    change (Amazon shows no price for it now, or its change was held below the margin floor)
    is left out. At least one product must have a proposed change."""
    wait_until(
        lambda: all(merchant.observation_counts().values()),
        timeout,
        f"{merchant.shop}: every product observed",
        1.0,
    )
    first: dict[int, dict[str, Any]] = {}
    for change in sorted(merchant.changes(), key=lambda c: c["id"]):
        first.setdefault(change["product_id"], change)
    proposals = {pid: c for pid, c in first.items() if c["state"] == "proposed"}
    states = sorted(c["state"] for c in first.values())
    assert proposals, f"{merchant.shop}: no proposed change among {states}"
    return proposals


def work_horse(pid: int) -> int | None:
    """The worker's work horse: its child that leads a process group of its own (RQ's horse
    calls setpgrp; the worker's scheduler process stays in the worker's group)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parent, group = int(fields[1]), int(fields[2])
        if parent == pid and group == int(entry.name):
            return int(entry.name)
    return None


def kill_worker_and_horse(stack: Stack) -> tuple[int, int | None]:
    """SIGKILL the work horse by its own pid, then the worker's process group."""
    worker = stack.processes["worker"]
    horse = work_horse(worker.pid)
    if horse is not None:
        os.kill(horse, signal.SIGKILL)
    worker_pid = worker.pid
    worker.stop(signal.SIGKILL)
    return worker_pid, horse


def running_job(stack: Stack, queue: str, prefix: str) -> bool:
    """True while a job whose id starts with `prefix` runs in a work horse of the worker."""
    from redis import Redis

    with Redis.from_url(stack.redis.url) as redis:
        entries = [entry.decode() for entry in redis.zrange(f"rq:wip:{queue}", 0, -1)]
    worker = stack.processes["worker"]
    return any(entry.startswith(prefix) for entry in entries) and (
        work_horse(worker.pid) is not None
    )


def timed(start: float) -> float:
    return round(time.monotonic() - start, 1)


#: Usage is read once it has not moved for this long with nothing in flight.
USAGE_QUIET_SECONDS = 3.0


def settled_usage(stack: Stack, timeout: float = 90) -> tuple[int, int]:
    """(recorded, billed): the Oxylabs results every shop's counter holds this month, summed,
    and the results the Oxylabs simulator billed (`/_sim/stats` `results_billed`), read once
    nothing is in flight: no poll claimed (reserved, maybe not yet sent) or pending (a faulted
    job is refunded when collected), no ingest job queued or running (a refresh reserves as it
    starts), and both figures unchanged for `USAGE_QUIET_SECONDS`. Raises AssertionError when
    that never happens within `timeout` seconds."""
    from redis import Redis

    def read() -> tuple[int, int, int]:
        with psycopg.connect(stack.postgres.url, connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT (SELECT coalesce(sum(oxylabs_results_used), 0) FROM shop"
                "  WHERE oxylabs_usage_month = date_trunc('month', now() AT TIME ZONE 'UTC')),"
                " (SELECT count(*) FROM scrape_job WHERE state IN ('claimed', 'pending'))"
            ).fetchone()
        assert row is not None
        with Redis.from_url(stack.redis.url) as redis:
            jobs = int(redis.llen("rq:queue:ingest")) + int(redis.zcard("rq:wip:ingest"))
        return int(row[0]), int(stack.oxylabs_stats()["results_billed"]), int(row[1]) + jobs

    deadline = time.monotonic() + timeout
    last: tuple[int, int] | None = None
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        recorded, billed, in_flight = read()
        if in_flight or (recorded, billed) != last:
            last, quiet_since = (recorded, billed), time.monotonic()
        elif time.monotonic() - quiet_since >= USAGE_QUIET_SECONDS:
            return recorded, billed
        time.sleep(0.5)
    raise AssertionError(f"Oxylabs usage still moving after {timeout:.0f} s: last {last}")
