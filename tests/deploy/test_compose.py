"""deploy/docker-compose.yml against the Compose Specification's JSON schema and docker-compose."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from typing import Any

import jsonschema
import pytest

from tests.deploy.support import DEPLOY, load_yaml, run, tool

COMPOSE = DEPLOY / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "scheduler")
# docker compose reads these from deploy/.env; any value makes the file complete.
REQUIRED_ENV = {
    name: "x"
    for name in (
        "SECRET_KEY",
        "TOKEN_ENCRYPTION_KEYS",
        "SHOPIFY_API_KEY",
        "SHOPIFY_API_SECRET",
        "SHOPIFY_APP_URL",
        "GRAFANA_ADMIN_PASSWORD",
    )
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(COMPOSE)
    return document


def test_the_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    # The schema check-jsonschema ships (vendored from compose-spec/compose-spec).
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def compose_command() -> list[str]:
    """docker-compose (v1, Debian's package) or the docker CLI's compose plugin (v2)."""
    docker = shutil.which("docker")
    if not shutil.which("docker-compose") and docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    return [tool("docker-compose")]


def test_docker_compose_resolves_it_with_every_profile() -> None:
    command = [*compose_command(), "-f", str(COMPOSE), "--profile", "elk", "config"]
    done = run([*command, "--services"], **REQUIRED_ENV)
    services = set(done.stdout.split())
    assert services >= {
        *APP_SERVICES,
        "release",
        "postgres",
        "redis",
        "prometheus",
        "alertmanager",
        "grafana",
        "elasticsearch",
        "filebeat",
        "kibana",
    }


def test_the_app_runs_web_worker_and_scheduler_from_one_image_after_the_migration(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["command"] == [name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["depends_on"]["release"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["environment"]["PRICEBRIDGE_ENV"] == "production"
    assert services["release"]["command"] == ["release"]
    for name in ("worker", "scheduler"):
        assert "9100/metrics" in " ".join(services[name]["healthcheck"]["test"])


def test_redis_keeps_an_append_only_file_and_never_evicts(compose: dict[str, Any]) -> None:
    command = compose["services"]["redis"]["command"]
    pairs = dict(zip(command[1::2], command[2::2], strict=True))
    assert pairs["--appendonly"] == "yes"
    assert pairs["--maxmemory-policy"] == "noeviction"
    assert compose["services"]["redis"]["volumes"]


def test_monitoring_mounts_the_files_that_exist(compose: dict[str, Any]) -> None:
    for name in ("prometheus", "alertmanager", "grafana", "filebeat"):
        for volume in compose["services"][name]["volumes"]:
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), f"{name}: {source}"


def test_the_elk_profile_holds_elasticsearch_a_shipper_and_kibana(compose: dict[str, Any]) -> None:
    in_profile = {
        name
        for name, service in compose["services"].items()
        if "elk" in service.get("profiles", [])
    }
    assert in_profile == {"elasticsearch", "filebeat", "kibana"}
    filebeat = load_yaml(DEPLOY / "elk" / "filebeat.yml")
    assert filebeat["output.elasticsearch"]["hosts"] == ["elasticsearch:9200"]
    parsers = filebeat["filebeat.autodiscover"]["providers"][0]["templates"][0]["config"][0]
    assert any("ndjson" in parser for parser in parsers["parsers"])  # the ECS JSON lines


def test_no_secret_is_written_into_the_file(compose: dict[str, Any]) -> None:
    environment = compose["services"]["web"]["environment"]
    for name in ("SECRET_KEY", "SHOPIFY_API_SECRET", "TOKEN_ENCRYPTION_KEYS", "OXYLABS_PASSWORD"):
        assert str(environment[name]).startswith("${"), name
