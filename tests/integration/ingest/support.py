"""Helpers for ingest integration tests: a live simulator handle and a provider for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from app.ingest.oxylabs import OxylabsClient
from app.ingest.provider import OxylabsProvider
from simulators.oxylabs import ManualClock

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DEAD_ASIN = "B0846G5N74"
SIM_USER, SIM_PASSWORD = "sim-user", "sim-pass"


@dataclass(frozen=True)
class LiveSim:
    url: str
    clock: ManualClock

    @property
    def realtime_url(self) -> str:
        return f"{self.url}/realtime/v1/queries"

    def stats(self) -> dict[str, Any]:
        body: dict[str, Any] = requests.get(f"{self.url}/_sim/stats", timeout=5).json()
        return body

    def configure(self, **changes: Any) -> None:
        requests.post(f"{self.url}/_sim/config", json=changes, timeout=5).raise_for_status()

    def env(self) -> dict[str, str]:
        return {
            "OXYLABS_USERNAME": SIM_USER,
            "OXYLABS_PASSWORD": SIM_PASSWORD,
            "OXYLABS_REALTIME_URL": self.realtime_url,
            "OXYLABS_DATA_URL": self.url,
        }


def sim_provider(sim: LiveSim, password: str = SIM_PASSWORD) -> OxylabsProvider:
    client = OxylabsClient(
        username=SIM_USER,
        password=password,
        realtime_url=sim.realtime_url,
        data_url=sim.url,
        max_retries=1,
        backoff_base=0.01,
        sleep=lambda seconds: None,
    )
    return OxylabsProvider(client)
