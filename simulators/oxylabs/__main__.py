"""`python -m simulators.oxylabs --host 127.0.0.1 --port 8701`: serve the simulator."""

from __future__ import annotations

import argparse

from werkzeug.serving import make_server

from simulators.oxylabs.app import create_app
from simulators.oxylabs.config import SimulatorConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Oxylabs Web Scraper API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--username", default=SimulatorConfig.username)
    parser.add_argument("--password", default=SimulatorConfig.password)
    parser.add_argument("--job-latency", type=float, default=0.0, help="seconds to finish a job")
    parser.add_argument("--price-period", type=float, default=3600.0, help="seconds per price step")
    args = parser.parse_args(argv)
    config = SimulatorConfig(
        username=args.username,
        password=args.password,
        seed=args.seed,
        job_latency_seconds=args.job_latency,
        price_period_seconds=args.price_period,
    )
    server = make_server(args.host, args.port, create_app(config), threaded=True)
    print(f"Oxylabs simulator on http://{args.host}:{server.server_port}", flush=True)  # noqa: T201
    server.serve_forever()


if __name__ == "__main__":
    main()
