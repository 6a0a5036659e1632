"""deploy/grafana: the provisioned dashboard loads and charts only families that exist."""

from __future__ import annotations

import json

from tests.deploy.support import DEPLOY, METRIC_NAME, exported_families, family_of, load_yaml

DASHBOARD = DEPLOY / "grafana" / "dashboards" / "pricebridge.json"


def panels() -> list[dict[str, object]]:
    return [panel for panel in json.loads(DASHBOARD.read_text())["panels"]]


def test_the_dashboard_is_json_grafana_can_provision() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"]
    assert dashboard["title"] == "PriceBridge"
    assert isinstance(dashboard["schemaVersion"], int)
    ids = [panel["id"] for panel in panels()]
    assert len(ids) == len(set(ids))
    for panel in panels():
        grid = panel["gridPos"]
        assert isinstance(grid, dict)
        assert grid["x"] >= 0
        assert grid["x"] + grid["w"] <= 24


def test_every_panel_queries_a_family_the_app_exports() -> None:
    known = exported_families()
    charted = set()
    for panel in panels():
        if panel["type"] == "row":
            continue
        targets = panel["targets"]
        assert isinstance(targets, list)
        assert targets, panel["title"]
        for target in targets:
            names = METRIC_NAME.findall(target["expr"])
            assert names, f"{panel['title']}: {target['expr']}"
            for name in names:
                assert family_of(name) in known, f"{panel['title']}: {name}"
                charted.add(family_of(name))

    # Every exported family is on the dashboard somewhere (the scrape's own health aside).
    def bare(names: set[str]) -> set[str]:
        return {name.removesuffix("_total") for name in names}

    assert bare(known) - {"pricebridge_metrics_source_up"} <= bare(charted)


def test_provisioning_points_at_the_dashboard_folder_and_the_prometheus_source() -> None:
    provider = load_yaml(DEPLOY / "grafana/provisioning/dashboards/pricebridge.yml")
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    source = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
    assert source["datasources"][0]["uid"] == "prometheus"
    uids = {
        target["datasource"]["uid"]
        for panel in panels()
        for target in panel.get("targets", [])  # type: ignore[attr-defined]
    }
    assert uids == {"prometheus"}
