"""CSV import benchmark (not a test): a file of 10,000 links, checked (the dry run) and
committed, as the import jobs run them; wall time of each phase and peak memory.

    .venv/bin/python -m bench.csv_import.run [--rows 10000] [--by id|sku] [--runs 3]

Each run uploads the file to a fresh shop (`start_import`), runs the check job's function
(`check_import`, live: progress committed and published per Shopify batch) and the commit's
(`request_commit`, `commit_import`: every row checked again, then one transaction), timing
each. The Admin GraphQL simulator runs in a process of its own (a Standard-plan shop: 2,000
point bucket, 100 points/s) so that its CPU and memory are not the import's; variants are
named by id (`nodes(ids:)`, 250 a call) or by SKU (`productVariants(query: "sku:A OR ...")`,
100 a call, where Shopify's cost throttle sets the pace). Memory: the process's peak resident
set (VmHWM) against its resident set before the first run, and, in one more run under
tracemalloc, the peak of Python allocations during each phase.

PostgreSQL: a scratch schema in BENCH_DATABASE_URL (dropped at the end); Redis:
BENCH_REDIS_URL or a private redis-server.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import delete, func, select

from app.clock import utcnow
from app.extensions import db
from app.ingest.link_import import check_import, commit_import, request_commit, start_import
from app.models import LinkImport, Product, Shop
from bench.csv_import.shopify import TOKEN
from bench.ingest.run import scratch_app
from bench.report import figure
from bench.support import bench_redis, free_port

REPORT_RUNS = [["--by", "id"], ["--by", "sku"]]
# A drained Standard-plan bucket (2,000 points at 100 points/s) refills in 20 s.
REFILL_SECONDS = 21
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def shopify(shop: str, products: int) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.csv_import.shopify",
            "--port",
            str(port),
            "--shop",
            shop,
            "--products",
            str(products),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise SystemExit("the Shopify simulator did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def csv_file(variants: list[dict[str, Any]], by: str) -> bytes:
    lines = ["Variant ID,SKU,Amazon URL or ASIN,Marketplace,Markup %"]
    for n, variant in enumerate(variants):
        number = variant["id"].rsplit("/", 1)[1]
        name = f"{number}," if by == "id" else f",{variant['sku']}"
        lines.append(f"{name},https://www.amazon.com/dp/B0{n:08d}?th=1,,{n % 60}")
    return ("\r\n".join(lines) + "\r\n").encode()


def vm(field: str) -> int:
    """A /proc/self/status figure in bytes (VmRSS now, VmHWM the peak so far)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def new_shop(domain: str) -> Shop:
    now = utcnow()
    shop = Shop(
        domain=domain,
        installed_at=now,
        access_token=TOKEN,
        access_token_expires_at=now + timedelta(days=1),
        refresh_token="shprt_bench",  # noqa: S106  (a made-up token for the simulator)
        currency="USD",
    )
    db.session.add(shop)
    db.session.commit()
    return shop


def timed(step: Callable[[], None]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def one_run(domain: str, data: bytes, rows: int, memory: bool) -> tuple[float, float]:
    """(seconds to check, seconds to commit); under tracemalloc, prints each phase's peak."""
    shop = new_shop(domain)
    if memory:
        tracemalloc.start()

    def check() -> None:
        link_import = start_import(shop, "bench.csv", data, utcnow())
        db.session.commit()
        check_import(link_import.id, live=True)
        one.append(link_import.id)

    one: list[int] = []
    check_seconds = timed(check)
    if memory:
        _, peak = tracemalloc.get_traced_memory()
        figure("python allocations peak, check", peak / 2**20, "MiB")
        tracemalloc.reset_peak()
    link_import = db.session.get(LinkImport, one[0])
    assert link_import is not None
    assert link_import.state == "validated", (link_import.state, link_import.errors[:3])

    def commit() -> None:
        locked = db.session.scalar(
            select(LinkImport).where(LinkImport.id == one[0]).with_for_update()
        )
        assert locked is not None
        request_commit(locked, utcnow())
        db.session.commit()
        commit_import(one[0], live=True)

    commit_seconds = timed(commit)
    if memory:
        _, peak = tracemalloc.get_traced_memory()
        figure("python allocations peak, commit", peak / 2**20, "MiB")
        tracemalloc.stop()
    db.session.expire_all()
    done = db.session.get(LinkImport, one[0])
    assert done is not None
    assert done.state == "imported", done.state
    linked = db.session.scalar(
        select(func.count()).select_from(Product).where(Product.shop_id == shop.id)
    )
    assert linked == rows, linked
    return check_seconds, commit_seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--by", choices=("id", "sku"), default="id")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    domain = "bench-import.myshopify.com"
    checks: list[float] = []
    commits: list[float] = []
    with (
        bench_redis(None) as redis_url,
        shopify(domain, args.rows) as origin,
        scratch_app(redis_url, SHOPIFY_ADMIN_ORIGIN=f"{origin}/shops/{{shop}}"),
    ):
        variants = requests.get(
            f"{origin}/_sim/graphql/variants", params={"shop": domain}, timeout=60
        ).json()["variants"]
        data = csv_file(variants, args.by)
        baseline = vm("VmRSS")
        peak = baseline
        for run in range(args.runs + 1):
            memory = run == args.runs  # the last run: under tracemalloc (slower), not timed
            check_seconds, commit_seconds = one_run(domain, data, args.rows, memory)
            db.session.execute(delete(Shop).where(Shop.domain == domain))  # links cascade
            db.session.commit()
            if memory:
                continue
            peak = vm("VmHWM")
            checks.append(check_seconds)
            commits.append(commit_seconds)
            print(f"run {run + 1}: check {check_seconds:.2f} s, commit {commit_seconds:.2f} s")
            time.sleep(REFILL_SECONDS)  # Shopify's bucket full again for the next run
    print(f"{args.rows:,} rows by {args.by}, {len(data):,} bytes, {args.runs} runs")
    name = f"{args.rows} rows by {args.by}"
    figure(f"check (dry run) of {name}, median", statistics.median(checks), "s")
    figure(f"commit of {name}, median", statistics.median(commits), "s")
    figure(f"check of {name}, slowest run", max(checks), "s")
    figure(f"commit of {name}, slowest run", max(commits), "s")
    figure("peak resident set of the process", peak / 2**20, "MiB")
    figure("peak resident set above the process before the runs", (peak - baseline) / 2**20, "MiB")


if __name__ == "__main__":
    main()
