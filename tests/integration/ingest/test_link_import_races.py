"""A CSV import survives the shop uninstalled or erased under it (issue 14: deletes racing
jobs). The commit checks every row with Shopify, then writes the links: app/uninstalled or
shop/redact handled by another worker between the two must leave no link written, and the
import's job must end without an error of ours. Each race runs the other worker in its own
session, in a hook right after the check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, text

from app.extensions import db
from app.ingest import link_import
from app.ingest.link_import import check_import, commit_import, request_commit
from app.models import LinkImport, Product, Shop
from app.shopify.webhook_handlers import ReceivedWebhook, handle_app_uninstalled
from tests.integration.api.test_product_imports import (
    HEADER,
    commit,
    number,
    shop_with_variants,
    upload,
)
from tests.integration.conftest import LiveShopify


def in_another_worker(app: Flask, work: Callable[[], None]) -> None:
    """`work` in its own session; a lock this test's own transaction holds fails it in 5 s
    (rather than waiting for a transaction that waits for it)."""
    with app.app_context():
        db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
        work()
        db.session.commit()
        db.session.remove()


def validated_import(app: Flask, shopify: LiveShopify, rows: int) -> tuple[Shop, int]:
    shop = shop_with_variants(shopify, products=rows)
    lines = [HEADER] + [
        f"{number(v)};;B0CYVN8CCQ;com;" for v in shopify.admin.variants(shop.domain)
    ]
    checked = upload(app, shop, "\n".join(lines).encode())
    assert checked.status_code == 201, checked.get_json()
    assert checked.get_json()["state"] == "validated"
    return shop, checked.get_json()["id"]


def after_the_check(monkeypatch: pytest.MonkeyPatch, race: Callable[[], None]) -> None:
    real = link_import.check_links

    def check_then_race(*args: Any, **kwargs: Any) -> Any:
        checked = real(*args, **kwargs)
        race()
        return checked

    monkeypatch.setattr(link_import, "check_links", check_then_race)


def test_a_shop_erased_after_a_dry_run_job_checked_its_rows_ends_it_quietly(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dry run of a big file is a job too: erased between its last progress and its
    outcome, it has nothing to record, and no error of ours."""
    shop, import_id = validated_import(pricing_app, shopify, rows=2)
    shop_id = shop.id
    row = db.session.get(LinkImport, import_id)
    assert row is not None
    row.state = "validating"  # as a big file's import waits for its check job
    db.session.commit()

    def erase() -> None:
        db.session.execute(delete(Shop).where(Shop.id == shop_id))

    real = link_import.check_links

    def check_then_erase(
        shop_id: int, client: Any, links: Any, progress: Callable[[int], None]
    ) -> Any:
        checked = real(shop_id, client, links, progress)
        progress(len(links.rows))  # the last batch's progress, committed: the row is free
        in_another_worker(pricing_app, erase)
        return checked

    monkeypatch.setattr(link_import, "check_links", check_then_erase)
    check_import(import_id, live=True)
    db.session.expire_all()
    assert db.session.get(LinkImport, import_id) is None


def test_an_uninstall_while_the_commit_checks_the_rows_writes_no_link(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, import_id = validated_import(pricing_app, shopify, rows=3)
    uninstalled = ReceivedWebhook(
        "wh-uninstalled", "app/uninstalled", shop.domain, datetime.now(UTC), {}
    )
    after_the_check(
        monkeypatch,
        lambda: in_another_worker(pricing_app, lambda: handle_app_uninstalled(uninstalled)),
    )
    refused = commit(pricing_app, shop, import_id)
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["code"] == "shopify_access_lost"
    db.session.expire_all()
    assert db.session.scalars(select(Product)).all() == []
    done = db.session.get(LinkImport, import_id)
    assert done is not None
    assert (done.state, done.failure_code) == ("failed", "shopify_access_lost")


@pytest.mark.parametrize("when", ["during_the_check", "after_the_check"])
def test_a_shop_erased_during_an_import_job_ends_it_quietly(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """The job's progress commits release the import's row: shop/redact may erase the shop
    (the import with it) between two Shopify batches, or before the links are written."""
    shop, import_id = validated_import(pricing_app, shopify, rows=3)
    shop_id = shop.id
    row = db.session.get(LinkImport, import_id)
    assert row is not None
    request_commit(row, datetime.now(UTC))
    db.session.commit()

    def erase() -> None:
        db.session.execute(delete(Shop).where(Shop.id == shop_id))

    if when == "during_the_check":
        real = link_import.check_links

        def check_erased_after_a_batch(
            shop_id: int, client: Any, links: Any, progress: Callable[[int], None]
        ) -> Any:
            def after_a_batch(done: int) -> None:
                progress(done)  # commits the progress: the import's row is free
                in_another_worker(pricing_app, erase)
                progress(done)  # the next batch's progress finds it gone

            return real(shop_id, client, links, after_a_batch)

        monkeypatch.setattr(link_import, "check_links", check_erased_after_a_batch)
    else:
        after_the_check(monkeypatch, lambda: in_another_worker(pricing_app, erase))

    commit_import(import_id, live=True)  # the job: no error of ours, no retry

    db.session.expire_all()
    assert db.session.get(Shop, shop_id) is None
    assert db.session.get(LinkImport, import_id) is None
    assert db.session.scalars(select(Product)).all() == []
