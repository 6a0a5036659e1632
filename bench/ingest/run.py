"""Ingest benchmarks (not tests): observations/s through one worker, and the due-claim cost.

    .venv/bin/python -m bench.ingest.run throughput [--products 2000] [--runs 5]
    .venv/bin/python -m bench.ingest.run claim [--linked 1000000] [--claims 20]

Both run on a scratch PostgreSQL schema in BENCH_DATABASE_URL (default: the test database)
and a Redis database in BENCH_REDIS_URL (default: redis://127.0.0.1:6379/14); the schema is
dropped at the end. `throughput` starts the Oxylabs simulator in its own process (zero
latency) so that it does not share this process's interpreter lock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import requests
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from app import create_app
from app.config import Settings
from app.extensions import db
from app.ingest import service as ingest_service
from app.ingest.asin import Listing
from app.ingest.batch_service import collect_pending, submit_products
from app.ingest.jobs import _provider
from app.ingest.provider import ListingQuery, Poll, Provider, Ticket, _poll
from app.ingest.scheduling import _COLUMNS, claim_due
from app.models import Product, Shop
from app.models.types import utcnow

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def scratch_app(**env: str) -> Iterator[Flask]:
    schema = f"pb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{DATABASE_URL}?options={quote(f'-csearch_path={schema}')}"
    with tempfile.TemporaryDirectory() as instance:
        settings = Settings.from_env(
            {
                "PRICEBRIDGE_ENV": "test",
                "INSTANCE_PATH": instance,
                "DATABASE_URL": url,
                "REDIS_URL": REDIS_URL,
                "LOG_LEVEL": "WARNING",
                "OXYLABS_MONTHLY_BUDGET": "100000000",
                **env,
            }
        )
        app = create_app(settings)
        try:
            with app.app_context():
                upgrade()
                yield app
                db.session.remove()
                db.engine.dispose()
        finally:
            with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
            app.extensions["pricebridge.broker"].redis.flushdb()


@contextmanager
def simulator() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators.oxylabs", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{url}/_sim/stats", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def throughput(products: int, runs: int) -> None:
    rates: list[tuple[float, float]] = []
    with simulator() as url:
        env = {
            "OXYLABS_USERNAME": "sim-user",
            "OXYLABS_PASSWORD": "sim-pass",
            "OXYLABS_REALTIME_URL": f"{url}/realtime/v1/queries",
            "OXYLABS_DATA_URL": url,
        }
        for run in range(runs):
            with scratch_app(**env):
                rates.append(_one_throughput_run(products, run))
    for name, values in (("end to end", [r[0] for r in rates]), ("instant", [r[1] for r in rates])):
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(
            f"{name}: median {statistics.median(values):.0f}/s, min {min(values):.0f}, "
            f"max {max(values):.0f}, stdev {spread:.0f} ({runs} runs of {products})"
        )


def _one_throughput_run(products: int, run: int) -> tuple[float, float]:
    """(end-to-end rate over HTTP, rate with the results already fetched) for one run."""
    ids = _link_products(products, run)
    provider = _provider()
    started = time.perf_counter()
    submit_products(ids, provider, utcnow())  # one batch, as a scheduled poll would
    _collect_all(provider, products)
    end_to_end = products / (time.perf_counter() - started)

    # The same tickets again, their results fetched first: what the worker itself costs.
    db.session.execute(text("DELETE FROM observation"))
    db.session.execute(text("UPDATE scrape_job SET state = 'pending'"))
    db.session.commit()
    jobs = db.session.execute(text("SELECT provider_job_id FROM scrape_job")).scalars().all()
    client = provider._client  # type: ignore[attr-defined]
    replay = ReplayProvider({job: client.fetch_result(job) for job in jobs})
    started = time.perf_counter()
    _collect_all(replay, products)
    instant = products / (time.perf_counter() - started)
    print(f"  run {run + 1}: end to end {end_to_end:.0f}/s; instant provider {instant:.0f}/s")
    return end_to_end, instant


def _link_products(products: int, run: int) -> list[int]:
    shop = Shop(domain=f"bench-{run}.myshopify.com")
    db.session.add(shop)
    db.session.flush()
    db.session.add_all(
        Product(
            shop_id=shop.id,
            asin=f"B{n:09d}",
            marketplace="com",
            shopify_product_gid=f"gid://shopify/Product/{n + 1}",
            shopify_variant_gid=f"gid://shopify/ProductVariant/{n + 1}",
        )
        for n in range(products)
    )
    db.session.commit()
    return list(db.session.scalars(select(Product.id).order_by(Product.id)))


def _collect_all(provider: Provider, products: int) -> None:
    stored = 0
    while stored < products:
        result = collect_pending(provider, utcnow())
        if result.stored == 0:
            raise SystemExit(f"collection stalled at {stored}: {result}")
        stored += result.stored


class ReplayProvider:
    """Answers tickets from results fetched beforehand, normalising them as Oxylabs' would."""

    batch_limit = 5000

    def __init__(self, results: dict[str, dict[str, Any] | None]) -> None:
        self._results = results

    def poll_now(self, query: ListingQuery, *, received_at: datetime) -> Poll:
        raise NotImplementedError("the benchmark only collects tickets")

    def submit(self, queries: Sequence[ListingQuery]) -> list[Ticket]:
        raise NotImplementedError("the benchmark only collects tickets")

    def collect(self, ticket_id: str, listing: Listing, *, received_at: datetime) -> Poll | None:
        raw = self._results[ticket_id]
        return None if raw is None else _poll(raw, listing, received_at)


def claim(linked: int, claims: int, batch: int) -> None:
    with scratch_app():
        due = claims * batch * 2
        started = time.perf_counter()
        db.session.execute(
            text(
                "INSERT INTO shop (domain, scopes, markup_percent, fixed_addon,"
                " rounding, compare_at_from_list_price, min_margin_percent,"
                " out_of_stock_action, polling_tier, oxylabs_results_used,"
                " created_at, updated_at) VALUES ('bench.myshopify.com', '',"
                " 30, 0, 'none', false, 10, 'none', 'normal', 0, now(), now())"
            )
        )
        # Most products are due in the future; `due` of them are overdue by up to an hour.
        db.session.execute(
            text(
                "INSERT INTO product (shop_id, asin, marketplace, shopify_product_gid,"
                " shopify_variant_gid, status, polling_tier, poll_interval_seconds,"
                " next_poll_at, availability, failed_polls, created_at, updated_at)"
                " SELECT 1, 'B' || lpad(n::text, 9, '0'), 'com', 'gid://shopify/Product/' || n,"
                " 'gid://shopify/ProductVariant/' || n, 'active', 'normal', 3600,"
                " CASE WHEN n <= :due THEN now() - (n % 3600) * interval '1 second'"
                " ELSE now() + (1 + n % 86400) * interval '1 second' END,"
                " 'unknown', 0, now(), now() FROM generate_series(1, :linked) AS n"
            ),
            {"due": due, "linked": linked},
        )
        db.session.commit()
        db.session.execute(text("ANALYZE product"))
        db.session.commit()
        print(f"inserted {linked} products ({due} due) in {time.perf_counter() - started:.1f}s")
        _explain(batch)
        times = []
        for _ in range(claims):
            began = time.perf_counter()
            claimed = claim_due(utcnow(), limit=batch)
            times.append((time.perf_counter() - began) * 1000)
            assert len(claimed.product_ids) == batch, len(claimed.product_ids)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
        print(
            f"claim {batch} of {linked}: p50 {statistics.median(times):.1f} ms, "
            f"p95 {p95:.1f} ms, min {times[0]:.1f}, max {times[-1]:.1f} ({claims} claims)"
        )


def _explain(batch: int) -> None:
    statement = (
        select(*_COLUMNS)
        .where(Product.status == "active", Product.next_poll_at <= utcnow() + timedelta(0))
        .order_by(Product.next_poll_at)
        .limit(batch)
        .with_for_update(skip_locked=True, of=Product)
    )
    compiled = statement.compile(db.engine)
    connection = db.session.connection()
    plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", compiled.params)
    plan = plan.scalars()
    print("EXPLAIN of the claim:")
    for line in plan:
        print(f"  {line}")
    db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="bench", required=True)
    one = sub.add_parser("throughput")
    one.add_argument("--products", type=int, default=2000)
    one.add_argument("--runs", type=int, default=5)
    one.add_argument(
        "--without-pricing",
        action="store_true",
        help="measure ingest alone: skip pricing's on_observation hook after each commit",
    )
    two = sub.add_parser("claim")
    two.add_argument("--linked", type=int, default=1_000_000)
    two.add_argument("--claims", type=int, default=20)
    two.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    if args.bench == "throughput":
        if args.without_pricing:
            ingest_service.on_observation = lambda product_id, observation_id: None
        throughput(args.products, args.runs)
    else:
        claim(args.linked, args.claims, args.batch)


if __name__ == "__main__":
    main()
