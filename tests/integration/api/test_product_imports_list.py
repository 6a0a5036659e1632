"""GET /api/products/imports: the shop's imports, newest first, paged by an opaque cursor, each
with its state, counts and times (no report, no file), so a page opened again finds an import
still running or waiting to be committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from app.api.query import encode_cursor
from app.ingest.link_import import INLINE_ROWS
from app.models import Shop
from tests.integration.api.link_imports import (
    HEADER,
    auth,
    commit,
    number,
    run_jobs,
    shop_with_variants,
    upload,
)
from tests.integration.conftest import LiveShopify

PATH = "/api/products/imports"


def listed(app: Flask, shop: Shop, query: str = "") -> dict[str, Any]:
    answer = app.test_client().get(f"{PATH}{query}", headers=auth(shop))
    assert answer.status_code == 200, answer.get_json()
    body: dict[str, Any] = answer.get_json()
    return body


def test_the_shops_imports_newest_first_in_pages(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop = shop_with_variants(shopify, products=INLINE_ROWS + 1)
    assert listed(pricing_app, shop) == {"items": [], "next_cursor": None}
    variants = shopify.admin.variants(shop.domain)
    bad = upload(pricing_app, shop, f"{HEADER}\n{number(variants[0])};;B0CSV0000;com;\n".encode())
    good = f"{HEADER}\n{number(variants[1])};;B0CYVN8CCQ;com;\n".encode()
    imported = upload(pricing_app, shop, good).get_json()
    assert commit(pricing_app, shop, imported["id"]).status_code == 200
    another = f"{HEADER}\n{number(variants[2])};;B0CYVN8CCQ;com;\n".encode()
    waiting = upload(pricing_app, shop, another).get_json()
    state = shopify.admin.store.shop(shop.domain)
    big = "\n".join([HEADER] + [f"{v.id};;B0CYVN8CCQ;com;" for v in state.variants.values()])
    running = upload(pricing_app, shop, big.encode())
    assert running.status_code == 202
    other = shop_with_variants(shopify, products=1)
    upload(pricing_app, other, good)  # another shop's: never listed here

    everything = listed(pricing_app, shop)
    ids = [item["id"] for item in everything["items"]]
    assert ids == [running.get_json()["id"], waiting["id"], imported["id"], bad.get_json()["id"]]
    assert everything["next_cursor"] is None
    newest, ready, done, refused = everything["items"]
    assert (newest["state"], newest["checked"], newest["row_count"]) == (
        "validating",
        0,
        INLINE_ROWS + 1,
    )
    assert (ready["state"], ready["error_count"], ready["finished_at"]) == ("validated", 0, None)
    assert datetime.fromisoformat(ready["expires_at"]) > datetime.fromisoformat(ready["created_at"])
    assert (done["state"], done["imported"], done["expires_at"]) == ("imported", 1, None)
    assert None not in (done["finished_at"], done["commit_requested_at"])
    assert (refused["state"], refused["error_count"]) == ("invalid", 1)
    assert {"errors", "ignored_columns"}.isdisjoint(refused)  # the report: GET one

    first = listed(pricing_app, shop, "?limit=3")
    assert [item["id"] for item in first["items"]] == ids[:3]
    rest = listed(pricing_app, shop, f"?limit=3&cursor={first['next_cursor']}")
    assert ([item["id"] for item in rest["items"]], rest["next_cursor"]) == (ids[3:], None)

    run_jobs(pricing_app)  # the big file's check (one of its variants is linked already)
    [checked] = listed(pricing_app, shop, "?limit=1")["items"]
    assert (checked["state"], checked["checked"], checked["error_count"]) == (
        "invalid",
        INLINE_ROWS + 1,
        1,
    )


def test_a_bad_page_request_is_a_clear_422(pricing_app: Flask, shopify: LiveShopify) -> None:
    shop = shop_with_variants(shopify, products=1)
    client = pricing_app.test_client()
    cases = {
        "?limit=0": "invalid_limit",
        "?limit=101": "invalid_limit",
        "?limit=ten": "invalid_limit",
        "?cursor=not-a-cursor": "invalid_cursor",
        f"?cursor={encode_cursor(['pc', 5])}": "invalid_cursor",  # a price-change list's
        f"?cursor={encode_cursor(['li', 'five'])}": "invalid_cursor",
        "?state=validated": "unknown_parameters",
    }
    for query, code in cases.items():
        answer = client.get(f"{PATH}{query}", headers=auth(shop))
        assert answer.status_code == 422, (query, answer.get_json())
        assert answer.get_json()["error"]["code"] == code, query
    assert client.get(PATH).status_code == 401
