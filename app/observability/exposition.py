"""Serving the families: ``GET /metrics`` on the web process, an exporter port elsewhere.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the start script sets and wipes it), the answer merges
the files every process wrote there (gunicorn workers, RQ work horses), and gunicorn's
``child_exit`` hook calls `mark_process_dead` so a dead worker's live gauges disappear.
Without it, the answer is this process's own registry (tests, ``flask run``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    make_wsgi_app,
    multiprocess,
)
from prometheus_client.metrics_core import Metric

from app.observability.health import dependency_checks
from app.observability.metrics import HTTP_REQUEST_DURATION, MULTIPROC_ENV
from app.observability.state_metrics import StateCollector

log = logging.getLogger(__name__)

REGISTRY_EXTENSION = "pricebridge.metrics_registry"
UNMATCHED_ROUTE = "unmatched"

bp = Blueprint("metrics", __name__)


class _ThisProcess:
    """The default registry as one collector of another registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def multiprocess_directory() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def events_registry() -> CollectorRegistry:
    """The families counted by events: merged from every process's files, or this process's."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_directory():
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    return registry


def web_registry(app: Flask) -> CollectorRegistry:
    """What ``/metrics`` answers: the event families plus those read from the database."""
    registry = events_registry()
    registry.register(StateCollector(app))
    return registry


@bp.get("/metrics")
def metrics() -> Response:
    registry = current_app.extensions[REGISTRY_EXTENSION]
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


def init_app(app: Flask) -> None:
    """Serve ``/metrics`` and time every request by route, method and status."""
    app.extensions[REGISTRY_EXTENSION] = web_registry(app)
    app.register_blueprint(bp)

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe_request(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            rule = request.url_rule
            route = rule.rule if rule is not None else UNMATCHED_ROUTE
            HTTP_REQUEST_DURATION.labels(route, request.method, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response


def serve_exporter(
    app: Flask,
    port: int,
    address: str = "0.0.0.0",  # noqa: S104  # nosec B104  # scraped from other hosts
) -> WSGIServer | None:
    """Serve ``/metrics``, ``/livez`` and ``/readyz`` on ``port`` from a daemon thread.

    For the worker and the scheduler, which have no web server of their own: Prometheus
    scrapes the event families there, and Kubernetes probes the same port. Port 0 serves
    nothing. Returns the server (``.shutdown()`` stops it).
    """
    if port == 0:
        return None
    server = make_server(
        address, port, exporter_app(app), ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True).start()
    log.info("metrics and health on port %d", server.server_port)
    return server


def exporter_app(app: Flask) -> Callable[..., Iterable[bytes]]:
    """The exporter's WSGI app: health for the probes, the event families for anything else."""
    metrics_app = make_wsgi_app(events_registry())

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/livez":
            return _json(start_response, 200, {"status": "ok"})
        if path == "/readyz":
            checks = dependency_checks(app)
            ready = all(result == "ok" for result in checks.values())
            body = {"status": "ok" if ready else "unavailable", "checks": checks}
            return _json(start_response, 200 if ready else 503, body)
        return metrics_app(environ, start_response)  # type: ignore[no-any-return]

    return serve


def _json(start_response: Callable[..., Any], status: int, body: object) -> list[bytes]:
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(f"{status} {reason}", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would drown the logs."""


def mark_process_dead(pid: int) -> None:
    """gunicorn ``child_exit``: forget a dead worker's live gauges (open websockets)."""
    if multiprocess_directory():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
