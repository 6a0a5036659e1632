"""Dashboard benchmarks (not tests): Web Vitals of the products page, JavaScript shipped, and
how long an Amazon price change takes to reach its row.

    .venv/bin/python -m bench.dashboard.run [--rows 50] [--loads 5] [--changes 50]

Runs the whole app in this process as the browser tests do (tests/e2e/stack.py: Shopify and
Oxylabs simulators, PriceBridge, a worker thread) on a scratch PostgreSQL schema in
BENCH_DATABASE_URL (default: the test database) and BENCH_REDIS_URL (default: a private
redis-server), and drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) with Playwright.

- LCP, CLS, INP: PerformanceObserver in the app's frame (the App Bridge stand-in's Web Vitals),
  products page with `--rows` linked products, `--loads` cold loads; INP over a scripted set of
  interactions (select rows, clear the selection, search, filter, sort).
- JavaScript gzipped: every .js file of web/dist (the first load needs only the entry).
- Amazon change -> row updated: the Oxylabs clock moves one price period, "refresh now" is asked
  for one product, and the time runs until that product's row shows the new poll
  (browser clock and this process's clock are the same machine's). p50/p95 over `--changes`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, Frame, Page, sync_playwright

from app import create_app
from app.config import Settings
from app.extensions import db
from bench.support import bench_redis
from tests.e2e.conftest import CHROMIUM_FLAGS, chromium_path
from tests.e2e.stack import SHOP, Stack, running_stack
from tests.support import make_env

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch(redis_url: str) -> Iterator[Any]:
    """A make_app-like builder on a fresh schema (dropped at the end)."""
    schema = f"pb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{DATABASE_URL}?options={quote(f'-csearch_path={schema}')}"
    built: list[Flask] = []
    with tempfile.TemporaryDirectory() as instance:

        def build(**overrides: str) -> Flask:
            env = make_env(Path(instance), DATABASE_URL=url, REDIS_URL=redis_url, **overrides)
            env.update(LOG_LEVEL="ERROR", OXYLABS_MONTHLY_BUDGET="100000000")
            built.append(create_app(Settings.from_env(env)))
            return built[-1]

        first = build()
        with first.app_context():
            upgrade()
        try:
            yield build
        finally:
            for app in built:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
            with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def js_sizes() -> dict[str, float]:
    manifest = (DIST / ".vite" / "manifest.json").read_text()
    files = sorted((DIST / "assets").glob("*.js"))
    total = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
    entry = [f for f in files if f.name.startswith("main-") and f.name in manifest]
    first = sum(len(gzip.compress(f.read_bytes(), 9)) for f in entry)
    return {"first_load_kib": first / 1024, "all_kib": total / 1024}


def open_products(page: Page, stack: Stack, rows: int) -> Frame:
    page.goto(stack.admin_url)
    frame = page.wait_for_selector("#app-frame").content_frame()
    assert frame is not None
    frame.wait_for_function(
        f"() => document.querySelectorAll('s-table-row[data-product-id]').length >= {rows}",
        timeout=60_000,
    )
    return frame


def interact(page: Page, frame: Frame) -> None:
    """What a merchant does on the page: select rows (the bulk bar covers the toolbar), clear
    the selection, search, filter, sort."""
    boxes = frame.locator("s-table-row[data-product-id] s-checkbox")
    for index in range(5):
        boxes.nth(index).click()
    frame.get_by_role("button", name="Clear selection").click()
    search = frame.get_by_label("Search products")
    search.click()
    page.keyboard.type("lan", delay=30)
    for _ in range(3):
        page.keyboard.press("Backspace")
    frame.locator("s-select[label='Sort by']").locator("select").select_option("-last_checked")
    frame.locator("s-select[label='Show']").locator("select").select_option("needs_approval")
    frame.locator("s-select[label='Show']").locator("select").select_option("all")
    page.wait_for_timeout(500)


def vitals(stack: Stack, page: Page, rows: int) -> dict[str, float]:
    frame = open_products(page, stack, rows)
    page.wait_for_timeout(1500)  # let late shifts and the LCP candidate settle
    interact(page, frame)
    current = frame.evaluate("() => shopify.webVitals.__current()")
    return {name: float(current[name] or 0.0) for name in ("LCP", "CLS", "INP")}


def change_latency(
    stack: Stack, page: Page, products: list[dict[str, Any]], count: int
) -> list[float]:
    frame = open_products(page, stack, len(products))
    online = "() => document.documentElement.dataset.live === 'online'"
    frame.wait_for_function(online, timeout=30_000)
    latencies = []
    for number in range(count):
        product = products[number % len(products)]
        row = f"s-table-row[data-product-id='{product['id']}']"
        before = frame.get_attribute(row, "data-polled-at")
        stack.advance_amazon(60.0)  # one price period: Amazon's price moves
        started = time.time() * 1000
        answer = stack.api("POST", f"/api/products/{product['id']}/refresh")
        assert answer.status_code == 202, answer.text
        handle = frame.wait_for_function(
            """([selector, before]) => {
                const row = document.querySelector(selector);
                return row && row.dataset.polledAt !== before ? Date.now() : null;
            }""",
            arg=[row, before],
            timeout=30_000,
            polling="raf",
        )
        latencies.append(float(handle.json_value()) - started)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare(stack: Stack, browser: Browser, rows: int) -> None:
    """Install the app (by opening the admin) and link `rows` products, all observed."""
    stack.seed_shop(products=rows)
    setup = browser.new_page()
    setup.goto(stack.admin_url)
    setup.wait_for_selector("#app-frame")
    stack.wait_for(lambda: stack.sim.registry.shop(SHOP) is not None, 20)
    stack.wait_for(lambda: stack.api("GET", "/api/shop").status_code == 200, 20)
    for number, variant in enumerate(stack.variants()[:rows]):
        stack.link(variant, f"B0BENCH{number:03d}", steady=False)
    stack.wait_for(lambda: all(p["last_polled_at"] for p in stack.products()), 180)
    setup.close()


def measure(stack: Stack, browser: Browser, args: argparse.Namespace) -> tuple[list, list]:
    runs = []
    for _ in range(args.loads):
        context = browser.new_context(viewport={"width": 1440, "height": 960})
        runs.append(vitals(stack, context.new_page(), args.rows))
        context.close()
    context = browser.new_context(viewport={"width": 1440, "height": 960})
    priced = [p for p in stack.products() if p["amazon_price"]]
    latencies = change_latency(stack, context.new_page(), priced, args.changes)
    context.close()
    return runs, latencies


def report(args: argparse.Namespace, runs: list[dict[str, float]], latencies: list[float]) -> None:
    sizes = js_sizes()
    print(f"products page, {args.rows} rows, {args.loads} cold loads (median / worst):")
    for name, unit in (("LCP", "ms"), ("CLS", ""), ("INP", "ms")):
        values = [run[name] for run in runs]
        print(f"  {name}: {statistics.median(values):.3f}{unit} / {max(values):.3f}{unit}")
    print(
        f"JavaScript gzipped: first load {sizes['first_load_kib']:.1f} KiB, "
        f"all {sizes['all_kib']:.1f} KiB"
    )
    print(
        f"Amazon change -> row updated over {len(latencies)} changes: "
        f"p50 {percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
        f"max {max(latencies):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()
    with (
        bench_redis(os.environ.get("BENCH_REDIS_URL")) as redis_url,
        scratch(redis_url) as build,
        running_stack(build) as stack,
        sync_playwright() as driver,
    ):
        browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        prepare(stack, browser, args.rows)
        runs, latencies = measure(stack, browser, args)
        browser.close()
    report(args, runs, latencies)


if __name__ == "__main__":
    main()
