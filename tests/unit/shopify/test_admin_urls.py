"""Who may frame the app (CSP frame-ancestors) and where the app lives in the admin."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.shopify.admin_urls import admin_app_url, frame_ancestors, simulated_admin_origin
from tests.support import make_env


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(make_env(tmp_path, **env))


def test_shopify_itself(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert simulated_admin_origin(settings) is None
    assert frame_ancestors(settings, "a.myshopify.com") == (
        "frame-ancestors https://a.myshopify.com https://admin.shopify.com"
    )
    assert admin_app_url(settings, "a.myshopify.com") == (
        "https://admin.shopify.com/store/a/apps/test-client-id"
    )


def test_the_simulator_admin_may_frame_the_app_outside_production(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SHOPIFY_ADMIN_ORIGIN="http://127.0.0.1:9001/shops/{shop}")
    assert frame_ancestors(settings, "a.myshopify.com") == (
        "frame-ancestors https://a.myshopify.com https://admin.shopify.com http://127.0.0.1:9001"
    )
    assert admin_app_url(settings, "a.myshopify.com") == (
        "http://127.0.0.1:9001/store/a/apps/test-client-id"
    )


def test_production_never_trusts_a_stand_in(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        PRICEBRIDGE_ENV="production",
        DATABASE_URL="postgresql://x@127.0.0.1/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SHOPIFY_ADMIN_ORIGIN="http://127.0.0.1:9001/shops/{shop}",
    )
    assert "127.0.0.1" not in frame_ancestors(settings, "a.myshopify.com")


@pytest.mark.parametrize("shop", [None, "b.myshopify.com"])
def test_never_a_wildcard(tmp_path: Path, shop: str | None) -> None:
    header = frame_ancestors(_settings(tmp_path), shop)
    assert "*" not in header
    assert header.startswith("frame-ancestors ")


def test_a_shop_in_the_origin_host_names_no_single_admin(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SHOPIFY_ADMIN_ORIGIN="https://{shop}.proxy.test")
    assert simulated_admin_origin(settings) is None
