"""Fixtures for the Shopify simulator tests: an app, a client, and a real webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from simulators.shopify.app import Simulator, SimulatorConfig, create_app, simulator


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    return next(p for p in here.parents if (p / "pyproject.toml").is_file())


SHOPIFY_FIXTURES = _repo_root().parent / "shared" / "fixtures" / "shopify"
API_KEY = "test-client-id"
API_SECRET = "test-client-secret"
APP_URL = "http://app.test"
SHOP = "demo-shop.myshopify.com"


def load_fixture(name: str) -> Any:
    return json.loads((SHOPIFY_FIXTURES / name).read_text())


@dataclass
class Receiver:
    """A local HTTP server standing in for the app's POST /webhooks."""

    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def answer(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    @Request.application  # type: ignore[arg-type]
    def handle(request: Request) -> Response:
        holder[0].requests.append((dict(request.headers), request.get_data()))
        return Response("ok", status=holder[0].answer())

    server = make_server("127.0.0.1", 0, handle, threaded=True)
    holder.append(Receiver(f"http://127.0.0.1:{server.server_port}/webhooks"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()
    thread.join(timeout=5)


def make_config(**overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "app_url": APP_URL,
        "webhook_retries": 0,
        "fixtures_dir": SHOPIFY_FIXTURES / "webhooks",
    }
    values.update(overrides)
    return SimulatorConfig(**values)


@pytest.fixture
def app(receiver: Receiver) -> Flask:
    return create_app(make_config(webhook_url=receiver.url))


@pytest.fixture
def sim(app: Flask) -> Simulator:
    return simulator(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def installed(sim: Simulator) -> str:
    sim.install(SHOP)
    return SHOP
