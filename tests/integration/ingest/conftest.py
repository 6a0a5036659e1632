"""A live Oxylabs simulator on a free port, and a provider pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.ingest.provider import OxylabsProvider
from simulators.oxylabs import ManualClock, SimulatorConfig, create_app
from tests.integration.ingest.support import DEAD_ASIN, NOW, LiveSim, sim_provider
from tests.support import serving


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def live_sim(sim_clock: ManualClock) -> Iterator[LiveSim]:
    config = SimulatorConfig(seed=4, dead_asins=frozenset({DEAD_ASIN}))
    with serving(create_app(config, sim_clock)) as url:
        yield LiveSim(url, sim_clock)


@pytest.fixture
def provider(live_sim: LiveSim) -> OxylabsProvider:
    return sim_provider(live_sim)
