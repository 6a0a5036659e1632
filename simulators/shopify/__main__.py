"""`python -m simulators.shopify --port N --api-key K --api-secret S --app-url URL`."""

from __future__ import annotations

import argparse
from pathlib import Path

from werkzeug.serving import run_simple

from simulators.shopify.app import DEFAULT_FIXTURES, DEFAULT_SCOPES, SimulatorConfig, create_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulators.shopify", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-secret", required=True)
    parser.add_argument("--previous-api-secret", default=None)
    parser.add_argument(
        "--app-url", required=True, help="the app's URL, e.g. http://127.0.0.1:5000"
    )
    parser.add_argument("--scopes", default=",".join(DEFAULT_SCOPES))
    parser.add_argument("--webhook-path", default="/webhooks")
    parser.add_argument("--webhook-retries", type=int, default=3)
    parser.add_argument("--fixtures-dir", type=Path, default=DEFAULT_FIXTURES)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    config = SimulatorConfig(
        api_key=args.api_key,
        api_secret=args.api_secret,
        previous_api_secret=args.previous_api_secret,
        app_url=args.app_url,
        scopes=tuple(s.strip() for s in args.scopes.split(",") if s.strip()),
        webhook_path=args.webhook_path,
        webhook_retries=args.webhook_retries,
        fixtures_dir=args.fixtures_dir,
    )
    run_simple(args.host, args.port, create_app(config), threaded=True)


if __name__ == "__main__":
    main()
