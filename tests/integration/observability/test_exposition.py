"""/metrics on the web process, and the exporter the worker and scheduler serve."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from app.broker import current_broker
from app.clock import utcnow
from app.observability.exposition import serve_exporter
from app.observability.state_metrics import StateCollector
from tests.support import free_port


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


def test_requests_are_counted_by_route_template_method_and_status(client: FlaskClient) -> None:
    client.get("/api/products/123")
    client.get("/no/such/page/42")
    text = client.get("/metrics").get_data(as_text=True)
    count = "pricebridge_http_request_duration_seconds_count"
    assert value(text, count, route="/api/products/<int:product_id>", method="GET", status="401")
    assert value(text, count, route="unmatched", method="GET", status="404")
    # The path itself (an id) never becomes a label value.
    assert "/api/products/123" not in text


def test_the_answer_is_prometheus_text(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST


def test_queue_depth_and_the_oldest_jobs_age_are_read_from_redis(app: Flask) -> None:
    queue = current_broker().queue("ingest")
    queue.enqueue_call(func=print, args=("x",), job_id="metrics-test-job")
    later = utcnow() + timedelta(seconds=90)
    collected = {
        (sample.name, sample.labels.get("queue")): sample.value
        for family in StateCollector(app, clock=lambda: later).collect()
        for sample in family.samples
    }
    assert collected[("pricebridge_queue_jobs", "ingest")] == 1
    assert collected[("pricebridge_queue_jobs", "push")] == 0
    assert 89 <= collected[("pricebridge_queue_oldest_job_age_seconds", "ingest")] <= 95
    assert collected[("pricebridge_queue_oldest_job_age_seconds", "push")] == 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_source_that_does_not_answer_is_reported_not_fatal(
    make_app: Callable[..., Flask],
) -> None:
    broken = make_app(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = broken.test_client().get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert value(text, "pricebridge_metrics_source_up", source="redis") == 0
    assert value(text, "pricebridge_metrics_source_up", source="database") == 1
    assert value(text, "pricebridge_outbox_changes", state="proposed") == 0


def test_the_worker_exporter_serves_metrics_and_the_probes(app: Flask) -> None:
    port = free_port()
    server = serve_exporter(app, port, address="127.0.0.1")
    try:
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/livez", timeout=5) as answer:
            assert json.load(answer) == {"status": "ok"}
        with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:
            assert json.load(answer)["checks"] == {"database": "ok", "redis": "ok"}
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as answer:
            text = answer.read().decode()
        assert "pricebridge_job_duration_seconds" in text
        assert "pricebridge_scrape_results_total" in text
    finally:
        server.shutdown()
        server.server_close()


def test_port_zero_serves_nothing(app: Flask) -> None:
    assert serve_exporter(app, 0) is None
