"""Serving the families: ``GET /metrics`` on the web process, an exporter port elsewhere.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the start script sets and wipes it), the answer merges
the files every process wrote there (gunicorn workers, RQ work horses), and gunicorn's
``child_exit`` hook calls `mark_process_dead` so a dead worker's live gauges disappear.
Without it, the answer is this process's own registry (tests, ``flask run``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.metrics_core import Metric

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
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


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


def serve_exporter(port: int, address: str = "0.0.0.0") -> Any:  # noqa: S104 - scraped in-cluster
    """Serve the event families on ``port`` from a thread (the worker's and scheduler's /metrics).

    Returns the server (``.shutdown()`` stops it); port 0 means do not serve.
    """
    if port == 0:
        return None
    server, _thread = start_http_server(port, addr=address, registry=events_registry())
    log.info("metrics exporter on port %d", port)
    return server


def mark_process_dead(pid: int) -> None:
    """gunicorn ``child_exit``: forget a dead worker's live gauges (open websockets)."""
    if multiprocess_directory():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
