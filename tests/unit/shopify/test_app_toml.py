"""shopify.app.toml: scopes and every webhook topic, each with its handler."""

from __future__ import annotations

import tomllib

from app.config_reader import DEFAULT_SCOPES
from tests.support import ROOT

TOPICS = {"app/uninstalled", "app/scopes_update", "products/update", "products/delete"}
COMPLIANCE = {"customers/data_request", "customers/redact", "shop/redact"}


def _config() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "shopify.app.toml").read_text())


def test_app_basics() -> None:
    config = _config()
    assert config["embedded"] is True
    assert config["client_id"]
    assert config["application_url"].startswith("https://")
    assert config["auth"]["redirect_urls"][0].endswith("/auth/callback")


def test_scopes_are_the_ones_the_app_requests() -> None:
    scopes = _config()["access_scopes"]["scopes"].split(",")
    assert tuple(scopes) == DEFAULT_SCOPES


def test_every_topic_is_subscribed_at_webhooks() -> None:
    webhooks = _config()["webhooks"]
    assert webhooks["api_version"] == "2026-10"
    topics = {t for s in webhooks["subscriptions"] for t in s.get("topics", [])}
    compliance = {t for s in webhooks["subscriptions"] for t in s.get("compliance_topics", [])}
    assert topics == TOPICS
    assert compliance == COMPLIANCE
    assert {s["uri"] for s in webhooks["subscriptions"]} == {"/webhooks"}


def test_each_topic_names_an_existing_handler() -> None:
    from app.shopify import webhook_handlers

    text = (ROOT / "shopify.app.toml").read_text()
    for topic in TOPICS | COMPLIANCE:
        name = "handle_" + topic.replace("/", "_")
        assert f"# {name}:" in text, f"{topic} has no handler comment"
        assert callable(getattr(webhook_handlers, name)), name
