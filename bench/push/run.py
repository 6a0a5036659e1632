"""Benchmark: reprice 5,000 variants against the simulated Admin API at 100 points/s.

Not a test. Runs the real GraphQL client and Redis-shared cost throttle (the code the push
job uses) from several threads, each standing for a worker process, against the Shopify
simulator on a Standard-plan shop (2,000-point bucket, 100 points/s restore), grouped per
product as the push job groups them. Reports points spent per second against the restore
rate, THROTTLED answers and wall time.

    .venv/bin/python -m bench.push.run [--variants 5000] [--per-product 10] [--workers 4]
"""

from __future__ import annotations

import argparse
import logging
import queue
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from redis import Redis
from werkzeug.serving import make_server

from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.operations import VariantPrice, bulk_update_prices
from app.shopify.graphql.throttle import CostThrottle
from bench.report import figure
from bench.support import bench_redis
from simulators.shopify.graphql import register_admin_api

TOKEN = "shpat_bench"  # noqa: S105  (the simulator's made-up token, not a secret)


def start_simulator() -> tuple[str, Any, Any]:
    sim = Flask("bench-shopify")
    admin = register_admin_api(
        sim,
        authorize=lambda shop, token: token == TOKEN,
        on_product_update=lambda shop, payload: None,
        clock=lambda: datetime.now(UTC),
    )
    server = make_server("127.0.0.1", 0, sim, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", admin, server


def work_items(admin: Any, shop: str) -> list[tuple[str, list[VariantPrice]]]:
    """One item per Shopify product: every variant repriced up by 7% (to the cent)."""
    grouped: dict[str, list[VariantPrice]] = {}
    for variant in admin.variants(shop):
        new_price = (Decimal(variant["price"]) * Decimal("1.07")).quantize(Decimal("0.01"))
        grouped.setdefault(variant["product_id"], []).append(
            VariantPrice(variant["id"], new_price, currency="USD")
        )
    return list(grouped.items())


def run(variants: int, per_product: int, workers: int, redis_url: str) -> dict[str, Any]:
    origin, admin, server = start_simulator()
    shop = f"bench-{uuid.uuid4().hex[:8]}.myshopify.com"
    admin.store.seed_shop(shop, "USD", "standard")
    admin.store.seed_products(shop, variants // per_product, per_product, seed=1)
    planned = work_items(admin, shop)
    expected = {v.variant_gid: v.price for _, entries in planned for v in entries}
    items: queue.Queue[tuple[str, list[VariantPrice]]] = queue.Queue()
    for item in planned:
        items.put(item)
    clients = [
        AdminClient(
            shop=shop,
            url=f"{origin}/shops/{shop}/admin/api/2026-10/graphql.json",
            token=lambda *, refresh: TOKEN,
            throttle=CostThrottle(Redis.from_url(redis_url), shop),
        )
        for _ in range(workers)
    ]

    def work(client: AdminClient) -> None:
        while True:
            try:
                product_gid, entries = items.get_nowait()
            except queue.Empty:
                return
            outcome = bulk_update_prices(client, product_gid, entries)
            if outcome.errors or len(outcome.confirmed) != len(entries):
                raise RuntimeError(f"{product_gid}: {outcome}")

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    stats = admin.stats.to_json(shop)[shop]
    server.shutdown()
    return summarise(stats, wall, clients, admin, shop, expected)


def summarise(
    stats: dict[str, Any],
    wall: float,
    clients: list[AdminClient],
    admin: Any,
    shop: str,
    expected: dict[str, Decimal],
) -> dict[str, Any]:
    rate, bucket = 100.0, 2000.0
    points = float(stats["points"])
    actual = {v["id"]: Decimal(v["price"]) for v in admin.variants(shop)}
    lost = sum(1 for gid, price in expected.items() if actual.get(gid) != price)
    # Steady state: after the initial 2,000-point bucket is spent, only the restore pays.
    steady = (points - bucket) / (wall * rate) if wall > 0 else 0.0
    return {
        "variants": len(expected),
        "variants_not_at_new_price": lost,
        "mutations": stats["calls"] - stats["throttled"],
        "calls": stats["calls"],
        "throttled": stats["throttled"],
        "throttled_fraction": stats["throttled"] / max(1, stats["calls"]),
        "points": points,
        "wall_seconds": round(wall, 2),
        "points_per_second": round(points / wall, 1),
        "utilisation_including_initial_bucket": round(points / wall / rate, 3),
        "utilisation_of_restore_rate": round(steady, 3),
        "client_waited_seconds": round(sum(c.stats.waited_seconds for c in clients), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=5000)
    parser.add_argument("--per-product", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--redis-url", default=None, help="default: a private redis-server on a free port"
    )
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    with bench_redis(args.redis_url) as redis_url:
        result = run(args.variants, args.per_product, args.workers, redis_url)
    for name, value in result.items():
        print(f"{name:40} {value}")
    utilisation = result["utilisation_of_restore_rate"]
    figure(
        "restore rate used (steady state)",
        utilisation,
        "ratio",
        target=">= 0.9",
        met=utilisation >= 0.9,
    )
    lost = result["variants_not_at_new_price"]
    figure("variants not at their new price", lost, "variants", target="0", met=lost == 0)
    figure("THROTTLED answers", result["throttled"], "answers")
    figure("wall time", result["wall_seconds"], "s")


if __name__ == "__main__":
    main()
