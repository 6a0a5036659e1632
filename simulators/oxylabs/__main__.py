"""`python -m simulators.oxylabs --host 127.0.0.1 --port 8701`: serve the simulator.

It runs under gunicorn with ONE gthread worker process (the jobs live in that process's
memory) and a pool of threads, so clients keep their connections alive: werkzeug's
development server closes every connection and logs every request, which made the
simulator, not the app, the slowest part of a benchmark.
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from simulators.oxylabs.app import create_app
from simulators.oxylabs.config import SimulatorConfig


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self._app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Oxylabs Web Scraper API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--username", default=SimulatorConfig.username)
    parser.add_argument("--password", default=SimulatorConfig.password)
    parser.add_argument("--job-latency", type=float, default=0.0, help="seconds to finish a job")
    parser.add_argument("--price-period", type=float, default=3600.0, help="seconds per price step")
    parser.add_argument("--threads", type=int, default=16, help="requests served at once")
    parser.add_argument(
        "--image-origin",
        default=SimulatorConfig.image_origin,
        help="scheme://host:port the catalogue's image URLs start with; give the simulator's "
        "own URL to have it serve them (pages then show images offline)",
    )
    args = parser.parse_args(argv)
    config = SimulatorConfig(
        username=args.username,
        password=args.password,
        seed=args.seed,
        job_latency_seconds=args.job_latency,
        price_period_seconds=args.price_period,
        image_origin=args.image_origin,
    )
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": 1,  # never more: the simulator's jobs and counters live in memory
        "worker_class": "gthread",
        "threads": args.threads,
        "keepalive": 30,
        "timeout": 0,  # a realtime query may be made to wait as long as Oxylabs' 150 s
        "graceful_timeout": 2,
        "accesslog": None,
        "loglevel": "warning",
    }
    print(f"Oxylabs simulator on http://{args.host}:{args.port}", flush=True)  # noqa: T201
    _Server(create_app(config), options).run()


if __name__ == "__main__":
    main()
