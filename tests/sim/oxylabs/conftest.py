"""Fixtures for the Oxylabs simulator: a manual clock, a Flask test client and a live server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from simulators.oxylabs import ManualClock, SimulatorConfig, create_app
from tests.sim.oxylabs.support import START, LiveSimulator


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(seed=1, job_latency_seconds=5.0, dead_asins=frozenset({"B0846G5N74"}))


@pytest.fixture
def sim_app(sim_config: SimulatorConfig, sim_clock: ManualClock) -> Flask:
    return create_app(sim_config, sim_clock)


@pytest.fixture
def sim_client(sim_app: Flask) -> FlaskClient:
    return sim_app.test_client()


@pytest.fixture
def live_sim(sim_app: Flask, sim_clock: ManualClock) -> Iterator[LiveSimulator]:
    server = make_server("127.0.0.1", 0, sim_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveSimulator(f"http://127.0.0.1:{server.server_port}", sim_app, sim_clock)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
