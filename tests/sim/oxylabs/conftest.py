"""Fixtures for the Oxylabs simulator: a manual clock, a Flask test client and a live server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulators.oxylabs import ManualClock, SimulatorConfig, create_app
from tests.sim.oxylabs.support import START, LiveSimulator
from tests.support import serving


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
    with serving(sim_app) as url:
        yield LiveSimulator(url, sim_app, sim_clock)
