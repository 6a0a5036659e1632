"""Fixtures for the Shopify simulator tests: an app, a client, and a real webhook receiver."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.wrappers import Request, Response

from simulators.shopify.app import Simulator, create_app, simulator
from tests.support import serving

# pytest imports test files in importlib mode while mypy checks them as top-level modules; with
# this folder on sys.path both resolve the shared helpers under the one name below.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shopify_sim_support import SHOP, Receiver, make_config


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    @Request.application
    def handle(request: Request) -> Response:
        holder[0].requests.append((dict(request.headers), request.get_data()))
        return Response("ok", status=holder[0].answer())

    with serving(handle) as url:
        holder.append(Receiver(f"{url}/webhooks"))
        yield holder[0]


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
