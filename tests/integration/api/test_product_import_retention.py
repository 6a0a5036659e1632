"""CSV imports do not keep their files: an import not committed within a day expires (its file
dropped, its commit 410) by the scheduler's sweep or at the commit itself, a check still
running is never expired under its job, and finished imports keep their report only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from app.extensions import db
from app.ingest import link_import
from app.ingest.link_import import EXPIRES_AFTER, INLINE_ROWS, STALLED_AFTER
from app.ingest.link_import_retention import expire_imports, sweep
from app.models import LinkImport
from app.periodic import periodic_tasks
from app.realtime.events import events_after
from tests.integration.api.link_imports import (
    HEADER,
    commit,
    number,
    products_of,
    run_jobs,
    shop_with_variants,
    status,
    upload,
)
from tests.integration.conftest import LiveShopify


def stored(import_id: int) -> LinkImport:
    db.session.expire_all()
    found = db.session.get(LinkImport, import_id)
    assert found is not None
    return found


def good_file(shopify: LiveShopify, domain: str) -> bytes:
    lines = [HEADER] + [f"{number(v)};;B0CYVN8CCQ;com;" for v in shopify.admin.variants(domain)]
    return "\n".join(lines).encode()


def uploaded_at(import_id: int, moment: datetime) -> None:
    """The import as if uploaded (and last moved) at `moment`."""
    db.session.execute(
        update(LinkImport)
        .where(LinkImport.id == import_id)
        .values(created_at=moment, updated_at=moment)
    )
    db.session.commit()


def test_the_scheduler_runs_the_expiry_sweep_often(pricing_app: Flask) -> None:
    tasks = {task.name: task for task in periodic_tasks()}
    assert tasks["link-import-expiry"].run is expire_imports
    assert tasks["link-import-expiry"].every <= timedelta(hours=1)


def test_an_import_not_committed_within_a_day_expires_and_its_commit_is_refused(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=2)
    checked = upload(pricing_app, shop, good_file(shopify, shop.domain)).get_json()
    assert checked["state"] == "validated"
    created = datetime.fromisoformat(checked["created_at"])
    assert datetime.fromisoformat(checked["expires_at"]) == created + EXPIRES_AFTER
    other = shop_with_variants(shopify, products=1)  # another shop's import, uploaded later
    later = upload(pricing_app, other, good_file(shopify, other.domain)).get_json()
    uploaded_at(later["id"], created + timedelta(hours=1))

    assert expire_imports(created + EXPIRES_AFTER - timedelta(seconds=1)) == 0
    assert stored(checked["id"]).content is not None  # still committable
    seq = max([e.seq for e in events_after(shop.id, 0, limit=1000)], default=0)

    assert expire_imports(created + EXPIRES_AFTER + timedelta(seconds=1)) == 1
    expired = stored(checked["id"])
    assert (expired.state, expired.content) == ("expired", None)
    assert (expired.row_count, expired.checked, expired.errors) == (2, 2, [])  # report kept
    assert stored(later["id"]).state == "validated"  # its day is not over
    events = [e.data for e in events_after(shop.id, seq) if e.type == "import"]
    assert [(e["import_id"], e["state"]) for e in events] == [(checked["id"], "expired")]

    refused = commit(pricing_app, shop, checked["id"])
    assert refused.status_code == 410, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "import_expired"
    assert "choose the file again" in error["message"]
    assert error["details"] == {"state": "expired"}
    assert products_of(shop) == []
    shown = status(pricing_app, shop, checked["id"])
    assert (shown["state"], shown["expires_at"]) == ("expired", checked["expires_at"])
    assert expire_imports(created + EXPIRES_AFTER + timedelta(hours=1)) == 1  # the other one


def test_a_commit_past_the_deadline_is_refused_before_the_sweep_comes(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=1)
    import_id = upload(pricing_app, shop, good_file(shopify, shop.domain)).get_json()["id"]
    uploaded_at(import_id, datetime.now(UTC) - EXPIRES_AFTER - timedelta(minutes=1))
    seq = max(e.seq for e in events_after(shop.id, 0, limit=1000))

    refused = commit(pricing_app, shop, import_id)
    assert refused.status_code == 410, refused.get_json()
    assert refused.get_json()["error"]["code"] == "import_expired"
    assert (stored(import_id).state, stored(import_id).content) == ("expired", None)
    assert [e.data["state"] for e in events_after(shop.id, seq)] == ["expired"]
    assert commit(pricing_app, shop, import_id).status_code == 410  # and stays so
    assert products_of(shop) == []


def test_finished_imports_keep_their_report_and_never_their_file(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=2)
    first, second = shopify.admin.variants(shop.domain)
    bad = f"{HEADER}\n{number(first)};;B0CSV0000;com;\n".encode()
    invalid = upload(pricing_app, shop, bad).get_json()
    good = f"{HEADER}\n{number(second)};;B0CYVN8CCQ;com;\n".encode()
    imported = upload(pricing_app, shop, good).get_json()
    assert commit(pricing_app, shop, imported["id"]).status_code == 200
    for import_id in (invalid["id"], imported["id"]):
        assert stored(import_id).content is None  # dropped as the import finished
    # A finished import still holding its file (as an older release left them) loses it.
    db.session.execute(
        update(LinkImport).where(LinkImport.id == imported["id"]).values(content=good)
    )
    db.session.commit()

    swept = sweep(datetime.now(UTC) + EXPIRES_AFTER * 30)
    assert (swept.expired, swept.files_dropped) == (0, 1)
    kept = stored(imported["id"])
    assert (kept.state, kept.imported, kept.content) == ("imported", 1, None)
    report = status(pricing_app, shop, invalid["id"])
    assert report["state"] == "invalid"
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(2, "invalid_listing")]
    assert report["expires_at"] is None


def big_file(shopify: LiveShopify, domain: str) -> bytes:
    state = shopify.admin.store.shop(domain)
    return "\n".join(
        [HEADER] + [f"{v.id};;B0CYVN8CCQ;com;" for v in state.variants.values()]
    ).encode()


def test_a_check_still_running_is_not_expired_but_a_stalled_one_is(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=INLINE_ROWS + 1)
    started = upload(pricing_app, shop, big_file(shopify, shop.domain))
    assert started.status_code == 202
    import_id = started.get_json()["id"]
    now = datetime.now(UTC)
    db.session.execute(
        update(LinkImport)
        .where(LinkImport.id == import_id)
        .values(created_at=now - EXPIRES_AFTER - timedelta(hours=1))
    )
    db.session.commit()

    assert expire_imports(now) == 0  # it moved within STALLED_AFTER: its job may be running
    assert stored(import_id).state == "validating"
    assert expire_imports(now + STALLED_AFTER + timedelta(seconds=1)) == 1
    assert (stored(import_id).state, stored(import_id).content) == ("expired", None)
    run_jobs(pricing_app)  # the check job, still queued, finds nothing to check
    assert stored(import_id).state == "expired"


def test_an_import_expired_while_its_check_ran_stays_expired(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's progress commits let the row lock go, so the sweep can expire an import whose
    check it took for stalled; the check then writes no outcome over it."""
    shop = shop_with_variants(shopify, products=INLINE_ROWS + 1)
    import_id = upload(pricing_app, shop, big_file(shopify, shop.domain)).get_json()["id"]
    real_check = link_import.check_links

    def check_then_expire(*args: Any, **kwargs: Any) -> Any:
        checked = real_check(*args, **kwargs)
        with db.engine.begin() as other:  # the sweep's transaction, committed meanwhile
            other.execute(
                update(LinkImport)
                .where(LinkImport.id == import_id)
                .values(state="expired", content=None, finished_at=datetime.now(UTC))
            )
        return checked

    monkeypatch.setattr(link_import, "check_links", check_then_expire)
    run_jobs(pricing_app)
    found = stored(import_id)
    assert (found.state, found.content, found.failure_code) == ("expired", None, None)
    assert commit(pricing_app, shop, import_id).status_code == 410
