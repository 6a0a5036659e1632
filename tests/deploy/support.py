"""What the deploy tests share: the folder, YAML loading, and the external tools they run.

promtool (Debian's `prometheus` package), kustomize (or `kubectl kustomize`) and
docker-compose are used when installed; a test that needs a missing one is skipped, unless
PRICEBRIDGE_REQUIRE_DEPLOY_TOOLS=1 (CI installs them and sets it), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT

DEPLOY = ROOT / "deploy"
METRIC_NAME = re.compile(r"\bpricebridge_[a-z0-9_]+")
_HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_all_yaml(text: str) -> list[Any]:
    return [document for document in yaml.safe_load_all(text) if document is not None]


def tool(*names: str) -> str:
    """The first of ``names`` on PATH; skips (or fails, when required) if none is."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    message = f"none of {', '.join(names)} is installed"
    if os.environ.get("PRICEBRIDGE_REQUIRE_DEPLOY_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def run(command: list[str], cwd: Path = DEPLOY, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done


def family_of(name: str) -> str:
    """``pricebridge_x_seconds_bucket`` -> ``pricebridge_x_seconds``."""
    for suffix in _HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def exported_families() -> set[str]:
    """Every pricebridge_* family the app exports: counted ones and those read when scraped."""
    from prometheus_client import REGISTRY

    from app.observability import metrics, state_metrics  # noqa: F401 - registers the families

    names = {metric.name for metric in REGISTRY.collect() if metric.name.startswith("pricebridge_")}
    counters = {f"{metric.name}_total" for metric in REGISTRY.collect() if metric.type == "counter"}
    source = (ROOT / "app/observability/state_metrics.py").read_text()
    live = set(re.findall(r'"(pricebridge_[a-z0-9_]+)"', source))
    return {name for name in names | counters | live if name.startswith("pricebridge_")}
