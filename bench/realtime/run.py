"""Realtime and API benchmarks (not tests): run on demand on a quiet machine.

    .venv/bin/python -m bench.realtime.run latency [--clients 100] [--rate 50] [--seconds 30]
    .venv/bin/python -m bench.realtime.run api [--sockets 1000] [--rate 100] [--seconds 20]
        [--heavy]   # 200 changes per product and 200,000 other shops' products
    .venv/bin/python -m bench.realtime.run disconnects [--clients 20] [--disconnects 1000]

Each starts gunicorn as the Procfile does (gunicorn.conf.py, one worker) on a scratch schema of
BENCH_DATABASE_URL and a private redis-server (or BENCH_REDIS_URL), and prints its figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.clock import utcnow
from app.extensions import db
from app.models import Observation, Product
from app.realtime.events import publish_event
from bench.realtime import seed
from bench.realtime.stack import (
    ROOT,
    Stack,
    machine_busy_seconds,
    process_rss_mib,
    session_token,
    stack,
    thread_count,
    worker_cpu_seconds,
)
from bench.report import figure


def _percentiles(values_ms: list[float]) -> str:
    ordered = sorted(values_ms)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    return (
        f"n={len(ordered)} p50 {at(0.5):.1f} ms, p95 {at(0.95):.1f} ms, "
        f"p99 {at(0.99):.1f} ms, max {ordered[-1]:.1f} ms"
    )


def _peers(url: str, count: int, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.realtime.peers", url, str(count), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    if not line.startswith("connected"):
        raise SystemExit(f"peers failed: {line}{process.stderr.read()}")
    return process


def _peer_result(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise SystemExit(f"peers failed: {err}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def latency(clients: int, rate: float, seconds: float) -> None:
    with stack() as s:
        product = Product(
            shop_id=s.shop_id,
            asin="B000000001",
            marketplace="com",
            shopify_product_gid="gid://shopify/Product/1",
            shopify_variant_gid="gid://shopify/ProductVariant/1",
        )
        db.session.add(product)
        db.session.commit()
        peers = _peers(s.url, clients, seconds + 5)
        time.sleep(1)
        start = time.monotonic()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            row = Observation(
                shop_id=s.shop_id,
                product_id=product.id,
                observed_at=utcnow(),
                asin=product.asin,
                marketplace="com",
                price=19.99,
                currency="USD",
                availability="in_stock",
            )
            db.session.add(row)
            db.session.commit()  # the commit the event reports
            t0 = time.time()
            publish_event(s.shop_id, "observation", {"t0": t0, "id": row.id, "price": "19.99"})
        result = _peer_result(peers)
        print(
            f"commit-to-socket latency, {clients} clients of one shop, {rate:.0f} obs/s "
            f"for {seconds:.0f} s:"
        )
        print(" ", _percentiles([v * 1000 for v in result["latencies"]]))
        print(
            f"  events {result['events']}, gaps {result['gaps']}, repeats {result['repeats']},"
            f" closes {result['closes']}"
        )


def _products_url(s: Stack) -> str:
    return f"{s.url}/api/products?limit=50"


def _http_load(*args: object) -> dict[str, Any]:
    """bench.realtime.http_load in a process of its own; its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.realtime.http_load", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"http_load failed: {done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _offered(s: Stack, rate: float, seconds: float, label: str) -> float:
    """Open loop at `rate`; prints the latencies; returns p95 in seconds."""
    cpu, busy, load = worker_cpu_seconds(s.gunicorn_pid), machine_busy_seconds(), _load()
    result = _http_load("open", _products_url(s), rate, seconds)
    latencies = result["latencies"]
    worker = worker_cpu_seconds(s.gunicorn_pid) - cpu
    others = machine_busy_seconds() - busy - worker
    per_request = worker / max(1, len(latencies)) * 1000
    print(
        f"  {label}: offered {rate:.0f}/s, served {len(latencies) / result['wall']:.1f}/s, "
        f"{len(latencies)} ok / {result['errors']} errors: "
        + _percentiles([v * 1000 for v in latencies])
    )
    print(
        f"  {label}: worker CPU per request {per_request:.2f} ms; the worker used "
        f"{worker / result['wall']:.2f} cores, everything else (PostgreSQL, the load, other "
        f"sessions) {others / result['wall']:.2f} of the 2 (load average {load} -> {_load()})"
    )
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else float("inf")


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _most(s: Stack, clients: int, seconds: float) -> float:
    cpu = worker_cpu_seconds(s.gunicorn_pid)
    result = _http_load("closed", _products_url(s), clients, seconds)
    served = len(result["latencies"]) / result["wall"]
    per_request = (worker_cpu_seconds(s.gunicorn_pid) - cpu) / max(1, len(result["latencies"]))
    print(
        f"  {clients} closed-loop clients for {seconds:.0f} s: {served:.0f} requests/s, "
        f"{result['errors']} errors, workers' CPU per request {per_request * 1000:.2f} ms; "
        + _percentiles([v * 1000 for v in result["latencies"]])
    )
    return served


def api(sockets: int, rate: float, seconds: float, heavy: bool) -> None:
    with stack() as s:
        started = time.monotonic()
        if heavy:
            seed.other_shops(200_000)
            # The bench shop's rows come after the other shops' (a new install on a busy table).
            shop_id = db.session.execute(
                text(
                    "UPDATE shop SET id = (SELECT max(id) + 1 FROM shop) WHERE id = :id"
                    " RETURNING id"
                ),
                {"id": s.shop_id},
            ).scalar_one()
            db.session.commit()
            s.shop_id = shop_id
        seed.shop_rows(s.shop_id, 10_000, 5, 200 if heavy else 1)
        counts = db.session.execute(
            text(
                "SELECT (SELECT count(*) FROM product), (SELECT count(*) FROM observation),"
                " (SELECT count(*) FROM price_change)"
            )
        ).one()
        print(
            f"seeded in {time.monotonic() - started:.0f} s: products {counts[0]}, "
            f"observations {counts[1]}, price changes {counts[2]}"
        )
        # Warm the worker (its threads, pool, prepared statements) at the rate to be measured.
        _http_load("open", _products_url(s), rate, 10)
        size = "heavy" if heavy else "light"
        print(f"/api/products?limit=50 ({size} data), one worker, open loop, {seconds:.0f} s:")
        alone = _offered(s, rate, seconds, "no sockets")
        figure(
            f"p95 /api/products at {rate:.0f}/s, {size}",
            alone,
            "s",
            target="< 0.02",
            met=alone < 0.02,
        )
        print(
            f"  worker: {thread_count(s.gunicorn_pid)} threads, "
            f"{process_rss_mib(s.gunicorn_pid):.0f} MiB resident"
        )
        if sockets:
            peers = _peers(s.url, sockets, 3600)  # held until terminated below
            time.sleep(2)
            print(
                f"  {sockets} sockets open: worker {thread_count(s.gunicorn_pid)} threads, "
                f"{process_rss_mib(s.gunicorn_pid):.0f} MiB resident"
            )
            held = _offered(s, rate, seconds, f"{sockets} sockets open")
            figure(
                f"p95 /api/products at {rate:.0f}/s with {sockets} sockets, {size}",
                held,
                "s",
                target="< 0.02",
                met=held < 0.02,
            )
            refused = _one_more_socket(s)
            print(f"  socket {sockets + 1}: {refused}")
            peers.terminate()
            peers.wait()
        print("most requests/s, one worker:")
        for clients in (4, 16):
            _most(s, clients, 10)
        s.restart(2)
        _http_load("open", _products_url(s), rate, 10)
        print("most requests/s, two workers (WEB_CONCURRENCY=2, the Procfile's default):")
        best = max(_most(s, clients, 10) for clients in (8, 32))
        figure(
            f"most /api/products requests/s on 2 cores, {size}",
            best,
            "1/s",
            target=">= 300",
            met=best >= 300,
        )


def _one_more_socket(s: Stack) -> str:
    from simple_websocket import Client, ConnectionClosed

    started = time.monotonic()
    client = Client.connect(s.url.replace("http://", "ws://") + "/ws")
    try:
        client.send(json.dumps({"type": "auth", "token": session_token()}))
        answer = client.receive(timeout=5)
        return f"answered {answer!r} (not refused)"
    except ConnectionClosed as closed:
        elapsed_ms = 1000 * (time.monotonic() - started)
        return f"refused with close code {closed.reason} in {elapsed_ms:.0f} ms"


def disconnects(clients: int, total: int, rate: float) -> None:
    from bench.realtime.catch_up import run_disconnects

    with stack() as s:
        report = run_disconnects(s, clients, total, rate)
        print(report)


# What `python -m bench` runs for the report (bench/README.md).
REPORT_RUNS = [["latency"], ["api"], ["api", "--heavy"], ["disconnects"]]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.realtime.run")
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("latency")
    one.add_argument("--clients", type=int, default=100)
    one.add_argument("--rate", type=float, default=50)
    one.add_argument("--seconds", type=float, default=30)
    two = sub.add_parser("api")
    two.add_argument("--sockets", type=int, default=1000)
    two.add_argument("--rate", type=float, default=100)
    two.add_argument("--seconds", type=float, default=20)
    two.add_argument("--heavy", action="store_true")
    three = sub.add_parser("disconnects")
    three.add_argument("--clients", type=int, default=20)
    three.add_argument("--disconnects", type=int, default=1000)
    three.add_argument("--rate", type=float, default=100)
    args = parser.parse_args(argv)
    if args.what == "latency":
        latency(args.clients, args.rate, args.seconds)
    elif args.what == "api":
        api(args.sockets, args.rate, args.seconds, args.heavy)
    else:
        disconnects(args.clients, args.disconnects, args.rate)


if __name__ == "__main__":
    main(sys.argv[1:])
