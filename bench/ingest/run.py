"""Ingest benchmarks (not tests): observations/s through one worker, and the due-claim cost.

    .venv/bin/python -m bench.ingest.run throughput [--products 2000] [--runs 5]
    .venv/bin/python -m bench.ingest.run claim [--linked 1000000] [--claims 20]

Both run on a scratch PostgreSQL schema in BENCH_DATABASE_URL (default: the test database)
and BENCH_REDIS_URL (default: a private redis-server on a free port); the schema is
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import requests
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from app import create_app
from app.clock import utcnow
from app.config import Settings
from app.extensions import db
from app.ingest import record
from app.ingest.asin import Listing
from app.ingest.batch import collect_pending, submit_products
from app.ingest.jobs import current_provider
from app.ingest.polling import claim_due, due_statement
from app.ingest.provider import ListingQuery, Poll, Provider, Ticket, poll_of
from app.models import Product, ScrapeJob, Shop
from bench.report import figure
from bench.support import bench_redis, free_port

# What `python -m bench` runs for the report (bench/README.md).
REPORT_RUNS = [
    ["throughput", "--products", "2000", "--runs", "3"],
    ["claim", "--linked", "1000000", "--claims", "20"],
]

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_app(redis_url: str, **env: str) -> Iterator[Flask]:
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
                "REDIS_URL": redis_url,
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
def simulator() -> Iterator[tuple[str, int]]:
    """The Oxylabs simulator in its own process: (its URL, its pid for CPU accounting)."""
    port = free_port()
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
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children (gunicorn's worker)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended while we looked
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def _machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / _TICK


@dataclass(frozen=True)
class Phase:
    """One timed collection: wall time, and CPU time of the worker, simulator and machine."""

    observations: int
    wall: float
    worker_cpu: float
    simulator_cpu: float
    machine_cpu: float

    @property
    def rate(self) -> float:
        return self.observations / self.wall

    @property
    def worker_ms(self) -> float:
        return 1000 * self.worker_cpu / self.observations

    @property
    def per_worker_cpu_second(self) -> float:
        return self.observations / self.worker_cpu

    def line(self) -> str:
        n = self.observations
        return (
            f"{self.rate:4.0f}/s; worker CPU {self.worker_ms:.2f} ms/obs"
            f" ({self.per_worker_cpu_second:.0f} obs per worker-CPU-second), simulator"
            f" {1000 * self.simulator_cpu / n:.2f} ms/obs, whole machine"
            f" {1000 * self.machine_cpu / n:.2f} CPU-ms/obs"
        )


@contextmanager
def timed(observations: int, simulator_pid: int, into: list[Phase]) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    sim, machine = _tree_cpu(simulator_pid), _machine_busy()
    yield
    into.append(
        Phase(
            observations,
            time.perf_counter() - wall,
            time.process_time() - cpu,
            _tree_cpu(simulator_pid) - sim,
            _machine_busy() - machine,
        )
    )


def throughput(products: int, runs: int, redis_url: str) -> None:
    end_to_end: list[Phase] = []
    instant: list[Phase] = []
    with simulator() as (url, pid):
        env = {
            "OXYLABS_USERNAME": "sim-user",
            "OXYLABS_PASSWORD": "sim-pass",
            "OXYLABS_REALTIME_URL": f"{url}/realtime/v1/queries",
            "OXYLABS_DATA_URL": url,
        }
        for run in range(runs):
            with scratch_app(redis_url, **env):
                _one_throughput_run(products, run, pid, end_to_end, instant)
    for name, phases in (("end to end", end_to_end), ("instant provider", instant)):
        _summary(name, phases, products)


def _summary(name: str, phases: list[Phase], products: int) -> None:
    rates = [phase.rate for phase in phases]
    cpu = [phase.worker_ms for phase in phases]
    spread = statistics.stdev(rates) if len(rates) > 1 else 0.0
    print(
        f"{name}: median {statistics.median(rates):.0f}/s, min {min(rates):.0f},"
        f" max {max(rates):.0f}, stdev {spread:.0f} ({len(rates)} runs of {products});"
        f" worker CPU median {statistics.median(cpu):.2f} ms/obs"
        f" = {1000 / statistics.median(cpu):.0f} obs per worker-CPU-second"
        f" (min {min(cpu):.2f}, max {max(cpu):.2f})"
    )
    median_rate = statistics.median(rates)
    per_cpu_second = 1000 / statistics.median(cpu)
    figure(f"{name}: observations/s (median of {len(rates)})", median_rate, "obs/s")
    figure(
        f"{name}: observations per worker-CPU-second",
        per_cpu_second,
        "obs/s",
        target=">= 300 per worker process",
        met=per_cpu_second >= 300,
    )


def _one_throughput_run(
    products: int, run: int, simulator_pid: int, end_to_end: list[Phase], instant: list[Phase]
) -> None:
    """One end-to-end collection over HTTP and one with the results fetched beforehand."""
    provider = current_provider()
    ids = _link_products(products, f"bench-{run}-e2e")
    with timed(products, simulator_pid, end_to_end):
        submit_products(ids, provider, utcnow())  # one batch, as a scheduled poll would
        _collect_all(provider, products)

    # Fresh products (no price changes yet, like the first set), their results fetched
    # first: what the worker itself costs, as with an instant Oxylabs.
    ids = _link_products(products, f"bench-{run}-instant")
    submit_products(ids, provider, utcnow())
    jobs = db.session.scalars(
        select(ScrapeJob.provider_job_id).where(ScrapeJob.state == "pending")
    ).all()
    client = provider._client  # type: ignore[attr-defined]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replay = ReplayProvider(dict(zip(jobs, pool.map(client.fetch_result, jobs), strict=True)))
    with timed(products, simulator_pid, instant):
        _collect_all(replay, products)
    print(f"  run {run + 1} end to end: {end_to_end[-1].line()}")
    print(f"  run {run + 1} instant:    {instant[-1].line()}")


def _link_products(products: int, name: str) -> list[int]:
    """A shop that prices in USD with auto-push within 50%, and `products` linked variants
    priced at 100.00 in Shopify: each first observation proposes (or approves) a change."""
    shop = Shop(
        domain=f"{name}.myshopify.com",
        currency="USD",
        installed_at=utcnow(),
        auto_push_tolerance_percent=Decimal("50"),
    )
    db.session.add(shop)
    db.session.flush()
    db.session.add_all(
        Product(
            shop_id=shop.id,
            asin=f"B{n:09d}",
            marketplace="com",
            shopify_product_gid=f"gid://shopify/Product/{shop.id}{n + 1}",
            shopify_variant_gid=f"gid://shopify/ProductVariant/{shop.id}{n + 1}",
            shopify_price=Decimal("100.00"),
        )
        for n in range(products)
    )
    db.session.commit()
    statement = select(Product.id).where(Product.shop_id == shop.id).order_by(Product.id)
    return list(db.session.scalars(statement))


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
        return None if raw is None else poll_of(raw, listing, received_at)


def claim(linked: int, claims: int, batch: int, redis_url: str) -> None:
    with scratch_app(redis_url):
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
        figure(f"claim {batch} due of {linked:,} linked: p95", p95 / 1000, "s", target="O(due)")


def _explain(batch: int) -> None:
    statement = due_statement(utcnow(), batch).with_for_update(skip_locked=True, of=Product)
    compiled = statement.compile(db.engine)
    connection = db.session.connection()
    plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", compiled.params)
    print("EXPLAIN of the claim:")
    for line in plan.scalars():
        print(f"  {line}")
    db.session.rollback()


def _no_pricing(pairs: Sequence[tuple[int, int]]) -> None:
    """Stands in for pricing's hook when measuring ingest alone."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="bench", required=True)
    one = sub.add_parser("throughput")
    one.add_argument("--products", type=int, default=2000)
    one.add_argument("--runs", type=int, default=5)
    one.add_argument(
        "--without-pricing",
        action="store_true",
        help="measure ingest alone: skip pricing's on_observations hook after each commit",
    )
    two = sub.add_parser("claim")
    two.add_argument("--linked", type=int, default=1_000_000)
    two.add_argument("--claims", type=int, default=20)
    two.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with bench_redis(os.environ.get("BENCH_REDIS_URL")) as redis_url:
        if args.bench == "throughput":
            if args.without_pricing:
                record.propose_prices = _no_pricing
            throughput(args.products, args.runs, redis_url)
        else:
            claim(args.linked, args.claims, args.batch, redis_url)


if __name__ == "__main__":
    main()
