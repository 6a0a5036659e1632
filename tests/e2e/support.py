"""What several browser tests do: link products through the API and open the products page
with every row drawn, find a row, hand-edit a variant in the simulated admin."""

from __future__ import annotations

from typing import Any

import requests
from playwright.sync_api import Frame, Locator, Page, expect

from tests.e2e.conftest import app_frame
from tests.e2e.stack import SHOP, Stack

#: How long a browser test waits for the app on a loaded machine (CI runs on 2 cores).
WAIT_MS = 45_000


def products_page(page: Page, stack: Stack, asins: list[str]) -> tuple[Frame, list[dict[str, Any]]]:
    """A shop with these ASINs linked (one variant each), every one observed and priced, open
    on the products page with its rows drawn and the live stream online."""
    stack.seed_shop(products=len(asins) + 1)
    app_frame(page, stack)  # installs the app
    for variant, asin in zip(stack.variants(), asins, strict=False):
        stack.link(variant, asin)
    stack.wait_for(lambda: all(p["pricing"]["proposed_price"] for p in stack.products()))
    frame = app_frame(page, stack)
    expect(frame.locator("s-table-row[data-product-id]")).to_have_count(len(asins), timeout=WAIT_MS)
    frame.wait_for_function(
        "() => document.documentElement.dataset.live === 'online'", timeout=WAIT_MS
    )
    return frame, stack.products()


def row(frame: Frame, product_id: int) -> Locator:
    return frame.locator(f"s-table-row[data-product-id='{product_id}']")


def status_of(frame: Frame, product_id: int) -> Locator:
    return row(frame, product_id).locator("[data-cell=status] s-badge")


def select(frame: Frame, *product_ids: int) -> None:
    """Tick these rows' checkboxes (and no other)."""
    for product_id in product_ids:
        row(frame, product_id).locator("[data-cell=select] s-checkbox input").check()
    count = f"{len(product_ids)} selected"
    expect(frame.locator("[data-selected-count]")).to_have_text(count)


def hand_edit(stack: Stack, product: dict[str, Any], price: str) -> None:
    """The merchant types a price for the product's variant in the simulated admin (the app is
    told by the signed products/update webhook before this returns)."""
    product_id, variant_id = (
        gid.rsplit("/", 1)[1]
        for gid in (product["shopify_product_gid"], product["shopify_variant_gid"])
    )
    edited = requests.patch(
        f"{stack.shopify_url}/_sim/products/{product_id}/variants/{variant_id}",
        json={"shop": SHOP, "price": price, "wait": True},
        timeout=30,
    )
    assert edited.status_code == 200, edited.text


def product(stack: Stack, product_id: int) -> dict[str, Any]:
    answer = stack.api("GET", f"/api/products/{product_id}?history_limit=100")
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body
