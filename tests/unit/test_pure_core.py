"""Importing a module of the pure core, in a fresh interpreter, loads none of the I/O stack.

The import-linter contracts (`make contracts`) hold the same line statically; this test
watches what really ends up in `sys.modules`, which also catches `app/__init__.py` or a
package `__init__` pulling in Flask at import time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IO_LIBRARIES = ("flask", "sqlalchemy", "redis", "rq", "requests", "httpx")
PURE_CORE = (
    "app.pricing.rules",
    "app.currency",
    "app.clock",
    "app.pricing",
    "app.ingest.normalize",
    "app.ingest.asin",
    "app.ingest.link_csv",
    "app.ingest.policy",
    "app.price_changes.state",
    "app.price_changes.idempotency",
)
PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(module: str) -> list[str]:
    answer = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(answer.stdout)
    return loaded


@pytest.mark.parametrize("module", PURE_CORE)
def test_the_pure_core_loads_no_io_library(module: str) -> None:
    loaded = loaded_by(module)
    heavy = sorted(name for name in loaded if name.partition(".")[0] in IO_LIBRARIES)
    assert heavy == [], f"import {module} loaded {heavy[:5]}"


def test_the_probe_sees_a_library_when_one_is_loaded() -> None:
    # The same probe on the web layer must see Flask, or the test above proves nothing.
    assert "flask" in loaded_by("app.api.blueprint")


def test_the_pure_formula_loads_only_itself() -> None:
    # Itself and the pure currency table it rounds with (minor units per currency).
    app_modules = [name for name in loaded_by("app.pricing.rules") if name.startswith("app")]
    assert set(app_modules) <= {
        "app",
        "app.currency",
        "app.pricing",
        *(f"app.pricing.{m}" for m in ("rules", "rounding", "guard", "preview")),
    }
