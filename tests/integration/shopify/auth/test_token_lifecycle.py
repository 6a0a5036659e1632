"""Install -> token exchange -> /api/shop -> forced expiry -> refresh (rotation) -> uninstall,
against the live Shopify simulator, on PostgreSQL and Redis."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from flask import Flask
from sqlalchemy import select, text

from app.clock import utcnow
from app.extensions import db
from app.models import Shop
from app.shopify.lifecycle import mark_uninstalled
from app.shopify.shop_tokens import SCHEDULED_REFRESH_MARGIN, fresh_shop, valid_access_token
from app.shopify.token_jobs import enqueue_due_token_refreshes, refresh_shop_token_job
from app.shopify.tokens import AuthFailed

from .conftest import LiveSimulator

SHOP = "demo.myshopify.com"
OTHER = "other-shop.myshopify.com"


def _get_shop(pb: Flask, token: str) -> requests.Response:
    return pb.test_client().get("/api/shop", headers={"Authorization": f"Bearer {token}"})  # type: ignore[return-value]


def _row(domain: str) -> Shop:
    db.session.rollback()
    shop = db.session.scalar(select(Shop).where(Shop.domain == domain))
    assert shop is not None
    return shop


def test_install_refresh_and_uninstall(pb: Flask, shopify_sim: LiveSimulator) -> None:
    shopify_sim.sim.install(SHOP)
    answer = _get_shop(pb, shopify_sim.session_token(SHOP))
    assert answer.status_code == 200, answer.get_data(as_text=True)  # type: ignore[attr-defined]
    body = answer.get_json()  # type: ignore[attr-defined]
    assert body["shop"] == SHOP
    assert body["scopes"] == ["write_products", "write_inventory", "read_locations"]
    assert body["installed"] is True
    assert body["user"] == {"id": "902541635"}
    shop = _row(SHOP)
    assert shop.access_token is not None
    assert shop.access_token.startswith("shpat_")
    assert shop.refresh_token is not None
    assert shop.refresh_token.startswith("shprt_")
    assert shop.access_token_expires_at is not None
    assert body["access_token_expires_at"] == shop.access_token_expires_at.isoformat()
    assert timedelta(minutes=55) < shop.access_token_expires_at - utcnow() <= timedelta(hours=1)
    stored = db.session.execute(text("SELECT access_token FROM shop")).scalar_one()
    assert shop.access_token not in stored  # encrypted at rest
    assert shopify_sim.sim.registry.authorize(SHOP, shop.access_token)

    # Shopify expires the token; our clock says it is due: one refresh, rotated.
    requests.post(f"{shopify_sim.url}/_sim/tokens/expire", json={"shop": SHOP}, timeout=5)
    old_access, old_refresh = shop.access_token, shop.refresh_token
    assert not shopify_sim.sim.registry.authorize(SHOP, old_access)
    due = shop.access_token_expires_at - timedelta(minutes=1)
    new_access = valid_access_token(shop, now=due)
    shop = _row(SHOP)
    assert new_access == shop.access_token != old_access
    assert shop.refresh_token not in (None, old_refresh)
    assert shopify_sim.sim.registry.authorize(SHOP, new_access)
    assert shopify_sim.refreshes() == 1
    assert valid_access_token(shop) == new_access  # fresh: no second refresh
    assert shopify_sim.refreshes() == 1

    # Uninstalled in Shopify: the refresh token is dead, the tokens are dropped...
    shopify_sim.sim.uninstall(SHOP)
    with pytest.raises(AuthFailed):
        valid_access_token(shop, now=shop.access_token_expires_at)
    shop = _row(SHOP)
    assert shop.access_token is None
    assert shop.refresh_token is None
    # ...and the next exchange learns the app is gone: the shop is marked uninstalled.
    gone = _get_shop(pb, shopify_sim.session_token(SHOP))
    assert gone.status_code == 401
    assert gone.get_json()["error"]["code"] == "shop_not_installed"  # type: ignore[attr-defined]
    assert _row(SHOP).uninstalled_at is not None


def test_concurrent_refresh_happens_once(pb: Flask, shopify_sim: LiveSimulator) -> None:
    shopify_sim.sim.install(SHOP)
    assert _get_shop(pb, shopify_sim.session_token(SHOP)).status_code == 200
    shop = _row(SHOP)
    assert shop.access_token_expires_at is not None
    due = shop.access_token_expires_at - timedelta(minutes=1)
    barrier = threading.Barrier(2)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def refresh() -> None:
        with pb.app_context():
            try:
                row = db.session.scalar(select(Shop).where(Shop.domain == SHOP))
                assert row is not None
                barrier.wait(timeout=5)
                tokens.append(valid_access_token(row, now=due))
            except Exception as error:  # noqa: BLE001 - asserted empty by the main thread
                errors.append(error)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert shopify_sim.refreshes() == 1
    assert len(tokens) == 2
    assert tokens[0] == tokens[1] == _row(SHOP).access_token
    assert shopify_sim.sim.registry.authorize(SHOP, tokens[0])


def _non_expiring_shop(shopify_sim: LiveSimulator) -> tuple[Shop, str]:
    shopify_sim.sim.install(SHOP)
    legacy = shopify_sim.sim.registry.issue(SHOP, "offline", expiring=False).access_token
    shop = Shop(domain=SHOP, access_token=legacy, scopes="write_products", installed_at=utcnow())
    db.session.add(shop)
    db.session.commit()
    return shop, legacy


def test_a_non_expiring_token_is_migrated_on_open(pb: Flask, shopify_sim: LiveSimulator) -> None:
    _shop, legacy = _non_expiring_shop(shopify_sim)
    assert _get_shop(pb, shopify_sim.session_token(SHOP)).status_code == 200
    shop = _row(SHOP)
    assert shop.access_token not in (None, legacy)
    assert shop.access_token_expires_at is not None
    assert shop.refresh_token is not None
    assert not shopify_sim.sim.registry.authorize(SHOP, legacy)  # migrated tokens stop working
    assert shopify_sim.sim.registry.authorize(SHOP, shop.access_token)


def test_a_non_expiring_token_is_migrated_for_api_callers(
    pb: Flask, shopify_sim: LiveSimulator
) -> None:
    shop, legacy = _non_expiring_shop(shopify_sim)
    token = valid_access_token(shop)
    assert token != legacy
    assert _row(SHOP).access_token_expires_at is not None
    assert shopify_sim.sim.registry.authorize(SHOP, token)


def test_one_shops_token_never_shows_another_shop(pb: Flask, shopify_sim: LiveSimulator) -> None:
    for domain in (SHOP, OTHER):
        shopify_sim.sim.install(domain)
    first = _get_shop(pb, shopify_sim.session_token(SHOP)).get_json()  # type: ignore[attr-defined]
    second = _get_shop(pb, shopify_sim.session_token(OTHER)).get_json()  # type: ignore[attr-defined]
    again = _get_shop(pb, shopify_sim.session_token(SHOP)).get_json()  # type: ignore[attr-defined]
    assert (first["shop"], second["shop"], again["shop"]) == (SHOP, OTHER, SHOP)
    assert _row(SHOP).access_token != _row(OTHER).access_token


def test_the_scheduler_refreshes_tokens_due_within_ten_minutes(
    pb: Flask, shopify_sim: LiveSimulator
) -> None:
    for domain in (SHOP, OTHER):
        shopify_sim.sim.install(domain)
        assert _get_shop(pb, shopify_sim.session_token(domain)).status_code == 200
    expires = _row(SHOP).access_token_expires_at
    assert expires is not None
    now = expires - SCHEDULED_REFRESH_MARGIN + timedelta(seconds=1)
    _row(OTHER).access_token_expires_at = now + timedelta(hours=1)
    db.session.commit()
    assert enqueue_due_token_refreshes(now) == 1
    shop = _row(SHOP)
    old = shop.access_token
    refresh_shop_token_job(shop.id)  # what the worker runs; it uses the real clock
    assert shopify_sim.refreshes() == 0  # not due by the real clock yet
    fresh_shop(shop, now=now, margin=SCHEDULED_REFRESH_MARGIN)
    assert shopify_sim.refreshes() == 1
    assert _row(SHOP).access_token != old


def test_a_token_seen_before_loses_the_list_when_its_shop_uninstalls(
    pb: Flask, shopify_sim: LiveSimulator
) -> None:
    """The list trusts a token it verified before without asking for the shop, but its own
    query checks the shop is still installed; an uninstalled shop goes through the gate."""
    shopify_sim.sim.install(SHOP)
    token = shopify_sim.session_token(SHOP)
    client = pb.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/products", headers=headers).status_code == 200
    assert client.get("/api/products", headers=headers).status_code == 200  # known token
    shopify_sim.sim.uninstall(SHOP)
    mark_uninstalled(_row(SHOP), utcnow())  # as the app/uninstalled webhook does
    db.session.commit()
    for path in ("/api/products", "/api/shop"):
        gone = client.get(path, headers=headers)
        assert gone.status_code == 401, path
        assert gone.get_json()["error"]["code"] == "shop_not_installed", path


def test_a_token_seen_before_still_refreshes_a_due_offline_token(
    pb: Flask, shopify_sim: LiveSimulator
) -> None:
    shopify_sim.sim.install(SHOP)
    headers = {"Authorization": f"Bearer {shopify_sim.session_token(SHOP)}"}
    client = pb.test_client()
    assert client.get("/api/products", headers=headers).status_code == 200
    shop = _row(SHOP)
    old_access = shop.access_token
    # The offline token falls due while the session token is still in use.
    shop.access_token_expires_at = utcnow() + timedelta(minutes=1)
    db.session.commit()
    assert client.get("/api/products", headers=headers).status_code == 200
    assert shopify_sim.refreshes() == 1
    assert _row(SHOP).access_token != old_access
