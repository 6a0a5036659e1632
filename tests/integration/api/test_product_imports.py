"""/api/products/imports against real PostgreSQL and Redis and the live Admin GraphQL
simulator: the dry run reports every bad row, the commit writes every link or none, big files
run as jobs with progress on the live stream, and bad files are clear 4xx answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from app.broker import current_broker
from app.extensions import db
from app.ingest import link_import
from app.ingest.link_import import (
    INLINE_ROWS,
    MAX_BYTES,
    MAX_ROWS,
    STALLED_AFTER,
    enqueue_stalled_imports,
)
from app.models import LinkImport, Product
from app.periodic import periodic_tasks
from app.realtime.events import events_after
from tests.integration.api.link_imports import (
    HEADER,
    auth,
    commit,
    gid,
    number,
    products_of,
    run_jobs,
    shop_with_variants,
    status,
    upload,
)
from tests.integration.conftest import LiveShopify
from tests.integration.factories import make_product


def test_a_good_file_is_checked_then_every_link_written(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=4)
    variants = shopify.admin.variants(shop.domain)
    state = shopify.admin.store.shop(shop.domain)
    skus = {v.id: v.sku for v in state.variants.values()}
    text = (
        f"{HEADER};Notes\r\n"
        f"{number(variants[0])};;https://www.amazon.de/dp/B0CYVN8CCQ?th=1;;12,5 %;x\r\n"
        f";{skus[int(number(variants[1]))].lower()};B084Y7CHX5;co.uk;;\r\n"
        f'{variants[2]["id"]};;"B0E2E00003";com;;"two\r\nlines"\r\n'
    )
    checked = upload(pricing_app, shop, b"\xef\xbb\xbf" + text.encode())
    assert checked.status_code == 201, checked.get_json()
    body = checked.get_json()
    assert body["state"] == "validated"
    assert (body["row_count"], body["error_count"], body["errors"]) == (3, 0, [])
    assert body["ignored_columns"] == ["Notes"]
    assert checked.headers["Location"] == f"/api/products/imports/{body['id']}"
    assert products_of(shop) == []  # a dry run writes nothing

    committed = commit(pricing_app, shop, body["id"])
    assert committed.status_code == 200, committed.get_json()
    assert committed.get_json()["state"] == "imported"
    assert committed.get_json()["imported"] == 3
    linked = {p.shopify_variant_gid: p for p in products_of(shop)}
    assert set(linked) == {v["id"] for v in variants[:3]}
    first = linked[variants[0]["id"]]
    assert (first.asin, first.marketplace, first.markup_override_percent) == (
        "B0CYVN8CCQ",
        "de",
        Decimal("12.50"),
    )
    assert first.shopify_product_gid == variants[0]["product_id"]
    assert first.shopify_inventory_item_gid == variants[0]["inventory_item_id"]
    assert first.shopify_price == Decimal(variants[0]["price"])
    assert first.status == "active"
    by_sku = linked[variants[1]["id"]]
    assert (by_sku.asin, by_sku.marketplace, by_sku.shopify_sku) == (
        "B084Y7CHX5",
        "co.uk",
        skus[int(number(variants[1]))],
    )
    assert commit(pricing_app, shop, body["id"]).get_json()["error"]["code"] == "import_done"


def test_the_dry_run_reports_every_bad_row_and_the_commit_writes_nothing(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=6)
    variants = shopify.admin.variants(shop.domain)
    state = shopify.admin.store.shop(shop.domain)
    one, two, three, four, five, six = (state.variants[int(number(v))] for v in variants)
    five.sku = six.sku = "SHARED-SKU"  # two variants share a SKU
    make_product(shop, shopify_variant_gid=variants[3]["id"], asin="B0LINKED01")
    db.session.commit()
    rows = [
        f"{one.id};;B0CYVN8CCQ;com;30",  # 2: good
        f"{two.id};;B0CYVN8CCQ;xx;",  # 3: unknown marketplace
        "999;;B0CYVN8CCQ;com;",  # 4: no such variant
        ";NO-SUCH-SKU;B0CYVN8CCQ;com;",  # 5: unknown SKU
        ";shared-sku;B0CYVN8CCQ;com;",  # 6: ambiguous SKU
        f"{one.id};;B084Y7CHX5;com;",  # 7: the variant of line 2 again
        f"{four.id};;B084Y7CHX5;com;",  # 8: already linked
        f"{three.id};;B084Y7CHX5;com;1000.5",  # 9: markup out of the settings' bounds
        f"{three.id};WRONG;https://example.com/dp/B084Y7CHX5;com;",  # 10: SKU and URL
        f";{one.sku};B0CYVN8CC;com;",  # 11: bad ASIN, and the variant of line 2 by SKU
    ]
    answer = upload(pricing_app, shop, "\n".join([HEADER, *rows]).encode())
    assert answer.status_code == 201, answer.get_json()
    report = answer.get_json()
    assert report["state"] == "invalid"
    found = [(e["line"], e["column"], e["code"]) for e in report["errors"]]
    assert found == [
        (3, "Marketplace", "unknown_marketplace"),
        (4, "Variant ID", "variant_not_found"),
        (5, "SKU", "sku_not_found"),
        (6, "SKU", "sku_ambiguous"),
        (7, "Variant ID", "duplicate_variant"),
        (8, "Variant ID", "already_linked"),
        (9, "Markup %", "invalid_markup"),
        (10, "Amazon URL or ASIN", "invalid_listing"),
        (10, "SKU", "sku_mismatch"),
        (11, "Amazon URL or ASIN", "invalid_listing"),
        (11, "SKU", "duplicate_variant"),
    ]
    reasons = {e["line"]: e["reason"] for e in report["errors"]}
    assert "999" in reasons[4]
    assert "on line 2" in reasons[7]
    assert "between 0 and 1000" in reasons[9]
    assert "2 variants" in reasons[6]
    assert report["error_count"] == len(report["errors"])

    refused = commit(pricing_app, shop, report["id"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "import_invalid"
    assert [p.shopify_variant_gid for p in products_of(shop)] == [variants[3]["id"]]


def test_shopify_is_asked_in_batches_not_once_a_row(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=INLINE_ROWS)
    state = shopify.admin.store.shop(shop.domain)
    variants = sorted(state.variants.values(), key=lambda v: v.id)
    lines = [HEADER]
    for index, variant in enumerate(variants):
        by_sku = index % 2
        lines.append(
            f"{'' if by_sku else variant.id};{variant.sku if by_sku else ''};B0CYVN8CCQ;com;"
        )
    before = shopify.stats(shop.domain)
    answer = upload(pricing_app, shop, "\n".join(lines).encode())
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["state"] == "validated"
    after = shopify.stats(shop.domain)
    calls = after["calls"] - before["calls"]
    # 250 ids: one nodes(ids:) call; 250 SKUs: three productVariants searches of <= 100
    assert calls == 1 + 3, (before, after)


def test_ten_thousand_rows_run_as_jobs_and_a_bad_row_near_the_end_writes_nothing(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=MAX_ROWS)
    state = shopify.admin.store.shop(shop.domain)
    variants = sorted(state.variants.values(), key=lambda v: v.id)
    lines = [HEADER] + [f"{v.id};;B0CYVN8CCQ;com;{n % 50}" for n, v in enumerate(variants)]
    started = upload(pricing_app, shop, "\r\n".join(lines).encode())
    assert started.status_code == 202, started.get_json()
    import_id = started.get_json()["id"]
    assert started.get_json()["state"] == "validating"
    run_jobs(pricing_app)
    checked = status(pricing_app, shop, import_id)
    assert (checked["state"], checked["row_count"], checked["checked"]) == (
        "validated",
        MAX_ROWS,
        MAX_ROWS,
    )

    # Between the dry run and the commit the merchant deletes the variant of line 9,999.
    gone = variants[9_999 - 2]
    with state.lock:
        del state.variants[gone.id]
        state.products[gone.product_id].variant_ids.remove(gone.id)
    queued = commit(pricing_app, shop, import_id)
    assert queued.status_code == 202, queued.get_json()
    assert queued.get_json()["state"] == "importing"
    assert commit(pricing_app, shop, import_id).get_json()["error"]["code"] == (
        "import_in_progress"
    )
    run_jobs(pricing_app)
    final = status(pricing_app, shop, import_id)
    assert final["state"] == "invalid"
    assert [(e["line"], e["code"]) for e in final["errors"]] == [(9_999, "variant_not_found")]
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
    stored = db.session.get(LinkImport, import_id)
    assert stored is not None
    assert stored.content is None  # the file is not kept once the import is over

    # Progress on the shop's live stream: each Shopify batch, in order, then the outcome.
    events = [e.data for e in events_after(shop.id, 0, limit=1000) if e.type == "import"]
    assert {e["import_id"] for e in events} == {import_id}
    states = [e["state"] for e in events]
    assert (states[0], states[-1]) == ("validating", "invalid")
    assert {"validated", "importing"} <= set(states)
    validating = [e["checked"] for e in events if e["state"] == "validating"]
    assert validating == sorted(validating)
    assert [n for n in validating if n] == list(range(250, MAX_ROWS + 1, 250))
    assert events[-1]["error_count"] == 1


@pytest.mark.parametrize(
    ("data", "status_code", "code"),
    [
        (b"", 422, "empty_file"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", 422, "not_csv"),
        (b"\x00\x01\x02binary\xff", 422, "not_csv"),
        ("SKU,ASIN\r\nCafé,B0CYVN8CCQ\r\n".encode("cp1252"), 422, "invalid_encoding"),
        (HEADER.encode() + b"\r\n", 422, "no_rows"),
        (b"name,price\r\nMug,3\r\n", 422, "missing_columns"),
        (
            b"SKU,ASIN,Marketplace\r\n" + b"A,B0CYVN8CCQ,com\r\n" * (MAX_ROWS + 1),
            422,
            "too_many_rows",
        ),
        (b"SKU,ASIN,Marketplace\r\n" + b"A" * MAX_BYTES, 413, "file_too_large"),
    ],
)
def test_files_that_cannot_be_read_are_a_clear_4xx_and_store_nothing(
    pricing_app: Flask, shopify: LiveShopify, data: bytes, status_code: int, code: str
) -> None:
    shop = shop_with_variants(shopify, products=1)
    answer = upload(pricing_app, shop, data)
    assert answer.status_code == status_code, answer.get_data(as_text=True)[:500]
    error = answer.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert db.session.scalar(select(func.count()).select_from(LinkImport)) == 0


def test_requests_that_are_not_an_upload_are_refused(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=1)
    client = pricing_app.test_client()
    not_multipart = client.post(
        "/api/products/imports", data=b"SKU,ASIN\r\n", headers=auth(shop), content_type="text/csv"
    )
    assert (not_multipart.status_code, not_multipart.get_json()["error"]["code"]) == (
        415,
        "unsupported_media_type",
    )
    no_file = client.post(
        "/api/products/imports",
        data={"other": "x"},
        headers=auth(shop),
        content_type="multipart/form-data",
    )
    assert (no_file.status_code, no_file.get_json()["error"]["code"]) == (422, "missing_file")
    as_text = client.post(  # the file's text as a plain form field (no filename) reads alike
        "/api/products/imports",
        data={"file": "SKU,ASIN,Marketplace\r\nNOPE,B0CYVN8CCQ,com\r\n"},
        headers=auth(shop),
        content_type="multipart/form-data",
    )
    assert as_text.status_code == 201, as_text.get_json()
    assert [e["code"] for e in as_text.get_json()["errors"]] == ["sku_not_found"]
    # A field the document does not have is refused, as is a form of more parts than it may
    # have (werkzeug's max_form_parts): 422, not ignored and not 413 (schemathesis found it).
    for extra in ({"notes": "x"}, {f"f{n}": "x" for n in range(12)}):
        refused = client.post(
            "/api/products/imports",
            data={"file": "SKU,ASIN\r\nA,B0CYVN8CCQ\r\n", **extra},
            headers=auth(shop),
            content_type="multipart/form-data",
        )
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (
            422,
            "unknown_fields",
        )
    unknown = client.get("/api/products/imports/999", headers=auth(shop))
    assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (404, "import_not_found")
    missing = client.post("/api/products/imports/999/commit", headers=auth(shop))
    assert missing.status_code == 404
    assert client.get("/api/products/imports/1").status_code == 401


def test_another_shops_import_is_not_found(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop = shop_with_variants(shopify, products=1)
    other = shop_with_variants(shopify, products=1)
    [variant] = shopify.admin.variants(shop.domain)
    answer = upload(pricing_app, shop, f"{HEADER}\n{number(variant)};;B0CYVN8CCQ;com;".encode())
    import_id = answer.get_json()["id"]
    client = pricing_app.test_client()
    assert client.get(f"/api/products/imports/{import_id}", headers=auth(other)).status_code == 404
    assert commit(pricing_app, other, import_id).status_code == 404


def test_the_template_downloads_and_reads_back(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop = shop_with_variants(shopify, products=1)
    answer = pricing_app.test_client().get("/api/products/imports/template.csv", headers=auth(shop))
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "Variant ID,SKU,Amazon URL or ASIN,Marketplace,Markup %"
    # Uploaded as it is, its example rows name variants this shop does not have.
    report = upload(pricing_app, shop, answer.get_data()).get_json()
    assert [e["code"] for e in report["errors"]] == ["variant_not_found", "sku_not_found"]


def test_shopify_down_fails_the_check_with_a_503_and_stores_why(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    shop = shop_with_variants(shopify, products=1)
    [variant] = shopify.admin.variants(shop.domain)
    shopify.arm(kind="http", status=503, count=3, shop=shop.domain)
    answer = upload(pricing_app, shop, f"{HEADER}\n{number(variant)};;B0CYVN8CCQ;com;".encode())
    assert answer.status_code == 503, answer.get_json()
    error = answer.get_json()["error"]
    assert error["code"] == "shopify_unavailable"
    assert answer.headers["Retry-After"] == "5"
    failed = status(pricing_app, shop, error["details"]["import_id"])
    assert failed["state"] == "failed"
    assert failed["failure"]["code"] == "shopify_unavailable"
    assert commit(pricing_app, shop, failed["id"]).status_code == 422


def test_a_link_made_meanwhile_stops_the_whole_commit(
    pricing_app: Flask, shopify: LiveShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone links one of the file's variants after the commit's check and before its write:
    the unique link refuses the insert and nothing of the file is kept."""
    shop = shop_with_variants(shopify, products=3)
    variants = shopify.admin.variants(shop.domain)
    lines = [HEADER] + [f"{number(v)};;B0CYVN8CCQ;com;" for v in variants]
    import_id = upload(pricing_app, shop, "\n".join(lines).encode()).get_json()["id"]
    real_check = link_import.check_links

    def check_then_link_elsewhere(*args: Any, **kwargs: Any) -> Any:
        checked = real_check(*args, **kwargs)
        with db.engine.begin() as other:  # another request's transaction, committed first
            other.execute(
                insert(Product).values(
                    shop_id=shop.id,
                    asin="B0ELSEWHER",
                    marketplace="com",
                    shopify_product_gid=variants[1]["product_id"],
                    shopify_variant_gid=variants[1]["id"],
                    status="active",
                    polling_tier="normal",
                    poll_interval_seconds=3600,
                    availability="unknown",
                    next_poll_at=datetime.now(UTC),
                    created_at=datetime.now(UTC),
                    updated_at=datetime.now(UTC),
                    failed_polls=0,
                )
            )
        return checked

    monkeypatch.setattr(link_import, "check_links", check_then_link_elsewhere)
    refused = commit(pricing_app, shop, import_id)
    assert refused.status_code == 422, refused.get_json()
    report = refused.get_json()["error"]["details"]["import"]
    assert report["state"] == "invalid"
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(3, "already_linked")]
    assert [p.asin for p in products_of(shop)] == ["B0ELSEWHER"]


def test_an_import_whose_worker_died_is_taken_up_again_by_the_sweep(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    """A check or commit killed with its process leaves the import running with no progress:
    the periodic sweep hands it to its job again, which finishes it (a live one: no-op)."""
    shop = shop_with_variants(shopify, products=INLINE_ROWS + 1)
    state = shopify.admin.store.shop(shop.domain)
    lines = [HEADER] + [f"{v.id};;B0CYVN8CCQ;com;" for v in state.variants.values()]
    import_id = upload(pricing_app, shop, "\n".join(lines).encode()).get_json()["id"]
    broker = current_broker()
    broker.queue("default").empty()  # the worker died with the job: nothing left queued
    tasks = {task.name: task for task in periodic_tasks()}
    sweep = tasks["link-import-resume"].run
    assert sweep is enqueue_stalled_imports
    now = datetime.now(UTC)
    assert sweep(now) == 0  # progress is recent: the job may still be running
    assert sweep(now + STALLED_AFTER + timedelta(seconds=1)) == 1
    assert broker.queue("default").count == 1
    assert sweep(now + STALLED_AFTER + timedelta(seconds=2)) == 1
    assert broker.queue("default").count == 1  # queued already: not twice
    run_jobs(pricing_app)
    assert status(pricing_app, shop, import_id)["state"] == "validated"

    assert commit(pricing_app, shop, import_id).status_code == 202
    broker.queue("default").empty()
    assert sweep(datetime.now(UTC) + STALLED_AFTER + timedelta(seconds=1)) == 1
    run_jobs(pricing_app)
    done = status(pricing_app, shop, import_id)
    assert (done["state"], done["imported"]) == ("imported", INLINE_ROWS + 1)
    assert sweep(datetime.now(UTC) + STALLED_AFTER + timedelta(seconds=1)) == 0


def test_skus_with_search_syntax_in_them_are_found_as_written(
    pricing_app: Flask, shopify: LiveShopify
) -> None:
    """A SKU holding quotes, a backslash, a colon or parentheses is one quoted search value
    (shopify.dev, "Shopify API search syntax"), never an operator or a field filter."""
    shop = shop_with_variants(shopify, products=3)
    state = shopify.admin.store.shop(shop.domain)
    odd, plain, other = sorted(state.variants.values(), key=lambda v: v.id)
    odd.sku = 'A "B": \\C (1) OR x'
    other.sku = "A"  # what a search broken at the quote would find
    cell = '"' + odd.sku.replace('"', '""') + '"'  # Excel's quoting
    text = f"{HEADER}\n;{cell};B0CYVN8CCQ;com;\n;{plain.sku};B084Y7CHX5;com;\n"
    report = upload(pricing_app, shop, text.encode()).get_json()
    assert (report["state"], report["errors"]) == ("validated", [])
    assert commit(pricing_app, shop, report["id"]).status_code == 200
    linked = {p.shopify_variant_gid: p.shopify_sku for p in products_of(shop)}
    assert linked == {gid(odd.id): odd.sku, gid(plain.id): plain.sku}
