"""deploy/prometheus: the scrape config and the alert rules, checked by promtool."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.support import (
    DEPLOY,
    METRIC_NAME,
    exported_families,
    family_of,
    load_yaml,
    run,
    tool,
)

RULES = DEPLOY / "prometheus" / "alerts.yml"
REQUIRED_ALERTS = {
    "ScrapeFailureRatioHigh",
    "OldestJobTooOld",
    "ShopifyThrottling",
    "PricePushFailures",
    "WorkerDown",
    "ReconciliationDrift",
    "OxylabsBudgetNearlySpent",
}


def alert_rules() -> list[dict[str, object]]:
    groups = load_yaml(RULES)["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_every_alert_the_operators_asked_for_is_there_with_a_severity_and_a_summary() -> None:
    rules = alert_rules()
    assert {rule["alert"] for rule in rules} >= REQUIRED_ALERTS
    for rule in rules:
        labels, annotations = rule["labels"], rule["annotations"]
        assert isinstance(labels, dict)
        assert labels["severity"] in {"warning", "critical"}
        assert isinstance(annotations, dict)
        assert annotations["summary"]


def test_alerts_only_name_families_the_app_exports() -> None:
    known = exported_families()
    for rule in alert_rules():
        for name in METRIC_NAME.findall(str(rule["expr"])):
            assert family_of(name) in known, f"{rule['alert']}: {name} is not exported"


def test_promtool_checks_the_rules() -> None:
    promtool = tool("promtool")
    done = run([promtool, "check", "rules", str(RULES)])
    assert f"SUCCESS: {len(alert_rules())} rules found" in done.stdout


def test_promtool_unit_tests_fire_each_alert_as_written() -> None:
    promtool = tool("promtool")
    tested = {
        case["alertname"]
        for test in load_yaml(DEPLOY / "prometheus" / "alerts_test.yml")["tests"]
        for case in test["alert_rule_test"]
    }
    assert tested >= REQUIRED_ALERTS
    run([promtool, "test", "rules", "alerts_test.yml"], cwd=DEPLOY / "prometheus")


def test_promtool_checks_the_scrape_config(tmp_path: Path) -> None:
    promtool = tool("promtool")
    config = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    (tmp_path / "alerts.yml").write_text(RULES.read_text())
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/alerts.yml", str(tmp_path / "alerts.yml"))
    )
    run([promtool, "check", "config", str(tmp_path / "prometheus.yml")])
    jobs = {job["job_name"] for job in load_yaml(tmp_path / "prometheus.yml")["scrape_configs"]}
    assert {"pricebridge-web", "pricebridge-worker", "pricebridge-scheduler"} <= jobs
