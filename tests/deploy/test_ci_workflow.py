""".github/workflows/ci.yml against GitHub's workflow schema, and what it must run."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from tests.deploy.support import ROOT, load_yaml

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(WORKFLOW)
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    if True in document:
        document["on"] = document.pop(True)
    return document


def steps_of(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_the_workflow_follows_githubs_schema(workflow: dict[str, Any]) -> None:
    schema_file = (
        resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    )
    validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(workflow)]
    assert errors == []


def test_make_test_runs_on_postgresql_and_redis_service_containers(
    workflow: dict[str, Any],
) -> None:
    job = workflow["jobs"]["test"]
    assert {"postgres", "redis"} <= set(job["services"])
    assert job["services"]["postgres"]["env"]["POSTGRES_DB"] == "test"
    assert "make test" in steps_of(job)
    assert workflow["env"]["PRICEBRIDGE_REQUIRE_DEPLOY_TOOLS"] == "1"
    assert "prometheus" in steps_of(job)  # promtool for tests/deploy


def test_the_reliability_suite_pip_audit_and_bandit_run(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    assert "make reliability" in steps_of(jobs["reliability"])
    security = steps_of(jobs["security"])
    assert "pip-audit" in security
    assert "make security" in security
    makefile = (ROOT / "Makefile").read_text()
    assert "pytest tests/reliability" in makefile
    assert "bandit" in makefile
