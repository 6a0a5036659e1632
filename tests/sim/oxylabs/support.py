"""Helpers shared by the Oxylabs simulator tests."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from simulators.oxylabs import ManualClock

START = datetime(2025, 6, 23, 17, 56, 37, tzinfo=UTC)
AUTH = {"Authorization": "Basic " + base64.b64encode(b"sim-user:sim-pass").decode()}


def payload(query: str | list[str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "amazon_product",
        "query": query,
        "domain": "com",
        "geo_location": "90210",
        "parse": True,
        "context": [
            {"key": "autoselect_variant", "value": True},
            {"key": "currency", "value": "USD"},
        ],
    }
    body.update(overrides)
    return body


def real_fixture(name: str) -> Any:
    here = Path(__file__).resolve()
    root = next(p for p in here.parents if (p / "pyproject.toml").exists())
    return json.loads((root / "tests" / "fixtures" / "oxylabs" / name).read_text())


@dataclass(frozen=True)
class LiveSimulator:
    url: str
    app: Flask
    clock: ManualClock
