"""Shared constants and helpers for the Shopify simulator tests (imported by conftest and tests)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulators.shopify.app import SimulatorConfig


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    return next(p for p in here.parents if (p / "pyproject.toml").is_file())


SHOPIFY_FIXTURES = _repo_root() / "tests" / "fixtures" / "shopify"
#: The simulator's own data: webhook bodies (the HMAC vectors' `file` is relative to it).
SHOPIFY_SIM_DATA = _repo_root() / "simulators" / "shopify" / "data"
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


def make_config(**overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "app_url": APP_URL,
        "webhook_retries": 0,
        "fixtures_dir": SHOPIFY_SIM_DATA / "webhooks",
    }
    values.update(overrides)
    return SimulatorConfig(**values)
