"""The Admin GraphQL simulator in a process of its own for the CSV import benchmark, one shop
seeded with `--products` single-variant products (SKUs PRODUCT-00001-1, ...).

    python -m bench.csv_import.shopify --port 8123 --shop bench.myshopify.com --products 10000

Its own process: its CPU and memory are not the import's. Prints "ready" once it serves.
"""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime

from flask import Flask
from werkzeug.serving import make_server

from simulators.shopify.graphql import register_admin_api

TOKEN = "shpat_bench_import"  # noqa: S105  (the simulator's made-up token, not a secret)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--shop", required=True)
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--plan", default="standard")
    args = parser.parse_args()
    sim = Flask("bench-shopify")
    admin = register_admin_api(
        sim,
        authorize=lambda shop, token: token == TOKEN,
        on_product_update=lambda shop, payload: None,
        clock=lambda: datetime.now(UTC),
    )
    admin.store.seed_shop(args.shop, "USD", args.plan)
    admin.store.seed_products(args.shop, args.products, 1, seed=1)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", args.port, sim, threaded=True)
    print("ready", flush=True)
    server.serve_forever(0.05)


if __name__ == "__main__":
    main()
