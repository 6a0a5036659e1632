"""A live Oxylabs simulator on a free port, and a provider pointed at it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from app.ingest.provider import OxylabsProvider
from simulators.oxylabs import ManualClock, SimulatorConfig, create_app
from tests.integration.ingest.support import DEAD_ASIN, NOW, LiveSim, sim_provider


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def live_sim(sim_clock: ManualClock) -> Iterator[LiveSim]:
    config = SimulatorConfig(seed=4, dead_asins=frozenset({DEAD_ASIN}))
    server = make_server("127.0.0.1", 0, create_app(config, sim_clock), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveSim(f"http://127.0.0.1:{server.server_port}", sim_clock)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def provider(live_sim: LiveSim) -> OxylabsProvider:
    return sim_provider(live_sim)
