"""deploy/k8s/base: built with kustomize and validated against Kubernetes' own schemas."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.support import DEPLOY, load_all_yaml, run, tool

BASE = DEPLOY / "k8s" / "base"
KUBERNETES_VERSION = "1.31"


@pytest.fixture(scope="module")
def built() -> list[dict[str, Any]]:
    binary = tool("kustomize", "kubectl")
    command = [binary, "build" if binary.endswith("kustomize") else "kustomize", str(BASE)]
    return load_all_yaml(run(command).stdout)


def by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def test_every_resource_is_valid_kubernetes(built: list[dict[str, Any]]) -> None:
    for document in built:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    assert {doc["metadata"]["namespace"] for doc in built if doc["kind"] != "Namespace"} == {
        "pricebridge"
    }


def test_web_worker_and_scheduler_probe_livez_and_readyz_as_non_root(
    built: list[dict[str, Any]],
) -> None:
    deployments = by_kind(built, "Deployment")
    assert set(deployments) == {"pricebridge-web", "pricebridge-worker", "pricebridge-scheduler"}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["args"] == [name.removeprefix("pricebridge-")]
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]
    # One scheduler: it holds a lock, and a second copy would only wait.
    assert deployments["pricebridge-scheduler"]["spec"]["replicas"] == 1


def test_a_migration_job_runs_release(built: list[dict[str, Any]]) -> None:
    (job,) = by_kind(built, "Job").values()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["release"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_disruption_budgets_and_autoscalers_cover_web_and_worker(
    built: list[dict[str, Any]],
) -> None:
    deployments = by_kind(built, "Deployment")
    budgets = by_kind(built, "PodDisruptionBudget").values()
    covered = {
        budget["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
        for budget in budgets
    }
    assert covered == {"web", "worker"}
    for budget in budgets:
        selector = budget["spec"]["selector"]["matchLabels"]
        target = deployments[f"pricebridge-{selector['app.kubernetes.io/component']}"]
        assert selector.items() <= target["spec"]["template"]["metadata"]["labels"].items()
    autoscalers = by_kind(built, "HorizontalPodAutoscaler").values()
    targets = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in autoscalers}
    assert targets == {"pricebridge-web", "pricebridge-worker"}
    for hpa in autoscalers:
        assert hpa["spec"]["minReplicas"] >= 2  # a PDB of minAvailable 1 needs two to drain


def test_the_web_service_selects_the_web_pods(built: list[dict[str, Any]]) -> None:
    service = by_kind(built, "Service")["pricebridge-web"]
    labels = by_kind(built, "Deployment")["pricebridge-web"]["spec"]["template"]["metadata"][
        "labels"
    ]
    assert service["spec"]["selector"].items() <= labels.items()
