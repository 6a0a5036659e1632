"""The products table as a merchant works it: bulk update, approve, reject, pause and resume on
selected rows; search, views and sort; a push's outcome as a toast and in its row; product
images drawn from the simulated CDN."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, serious_violations
from tests.e2e.stack import Stack
from tests.e2e.support import (
    WAIT_MS,
    hand_edit,
    product,
    products_page,
    row,
    select,
    status_of,
)

pytestmark = pytest.mark.e2e
#: The rows of the page shown (rows of another search or view stay drawn, hidden).
SHOWN = "s-table-row[data-product-id]:not([hidden])"
ASINS = ["B0E2E00001", "B0E2E00002", "B0E2E00003", "B0E2E00004"]


def bulk(page: Page, label: str) -> None:
    frame = page.frame(name="app-iframe")
    assert frame is not None
    frame.locator(f".pb-bulk s-button[data-bulk='{label}']").click()


def test_bulk_update_approve_reject_pause_and_resume(page: Page, stack: Stack) -> None:
    frame, products = products_page(page, stack, ASINS)
    first, second, third, fourth = (p["id"] for p in products)
    for product_id in (first, second, third, fourth):
        expect(status_of(frame, product_id)).to_have_text("Needs approval")

    select(frame, first, second)
    expect(frame.locator(".pb-bulk")).to_be_visible()
    screenshot(page, "products-bulk-selected")
    assert serious_violations(frame) == []
    bulk(page, "Update Shopify")
    expect(page.locator("#toasts")).to_contain_text("2 sent to Shopify", timeout=WAIT_MS)
    for product_id in (first, second):
        expect(status_of(frame, product_id)).to_have_text("In sync", timeout=WAIT_MS)
        pushed = product(stack, product_id)
        assert pushed["shopify_price"] == pushed["pricing"]["proposed_price"]

    frame.get_by_role("button", name="Clear selection").click()
    expect(frame.locator(".pb-bulk")).to_be_hidden()
    select(frame, third)
    bulk(page, "Reject")
    expect(page.locator("#toasts")).to_contain_text("1 price change rejected", timeout=WAIT_MS)
    expect(status_of(frame, third)).to_have_text("Rejected", timeout=WAIT_MS)
    assert product(stack, third)["pricing"]["change_state"] == "rejected"

    frame.get_by_role("button", name="Clear selection").click()
    select(frame, fourth)
    bulk(page, "Approve")
    expect(page.locator("#toasts")).to_contain_text("1 price change approved", timeout=WAIT_MS)
    expect(status_of(frame, fourth)).to_have_text("In sync", timeout=WAIT_MS)

    frame.get_by_role("button", name="Clear selection").click()
    select(frame, third, fourth)
    bulk(page, "Pause")
    expect(page.locator("#toasts")).to_contain_text("2 products paused", timeout=WAIT_MS)
    for product_id in (third, fourth):
        expect(status_of(frame, product_id)).to_have_text("Paused", timeout=WAIT_MS)
        assert product(stack, product_id)["status"] == "paused"
    screenshot(page, "products-bulk-paused")
    bulk(page, "Resume")
    expect(page.locator("#toasts")).to_contain_text("2 products resumed", timeout=WAIT_MS)
    for product_id in (third, fourth):
        expect(status_of(frame, product_id)).not_to_have_text("Paused", timeout=WAIT_MS)
        assert product(stack, product_id)["status"] == "active"


def test_search_views_and_sort_ask_the_server_and_show_what_it_answers(
    page: Page, stack: Stack
) -> None:
    frame, products = products_page(page, stack, ASINS[:3])
    first, second, third = products
    ids = lambda: [  # noqa: E731 - the table's row order, read when called
        int(value)
        for value in frame.locator(SHOWN).evaluate_all("rows => rows.map(r => r.dataset.productId)")
    ]
    assert stack.api("PATCH", f"/api/products/{first['id']}", json={"paused": True}).ok
    hand_edit(stack, second, "12.34")
    expect(status_of(frame, first["id"])).to_have_text("Paused", timeout=WAIT_MS)
    expect(status_of(frame, second["id"])).to_have_text("Manually overridden", timeout=WAIT_MS)

    # Search: a title, then an ASIN. A row shown again is the row drawn before (kept hidden),
    # not a new one.
    row(frame, first["id"]).evaluate("(element) => { element.__drawnOnce = true; }")
    search = frame.get_by_label("Search products")
    search.fill(str(third["title"]))
    expect(frame.locator(SHOWN)).to_have_count(1, timeout=WAIT_MS)
    expect(row(frame, third["id"])).to_be_visible()
    search.fill(second["asin"])
    expect(frame.locator(SHOWN)).to_have_count(1, timeout=WAIT_MS)
    expect(row(frame, second["id"])).to_be_visible()
    search.fill("no such thing")
    expect(frame.locator("[data-empty]")).to_have_text("No product matches this search or view.")
    search.fill("")
    expect(frame.locator(SHOWN)).to_have_count(3, timeout=WAIT_MS)
    assert row(frame, first["id"]).evaluate("(element) => element.__drawnOnce === true")

    show = frame.locator("s-select[label='Show'] select")
    for view, expected in (
        ("paused", first),
        ("overridden", second),
        ("needs_approval", third),
    ):
        show.select_option(view)
        expect(frame.locator(SHOWN)).to_have_count(1, timeout=WAIT_MS)
        expect(row(frame, expected["id"])).to_be_visible()
    screenshot(page, "products-filtered")
    show.select_option("all")
    expect(frame.locator(SHOWN)).to_have_count(3, timeout=WAIT_MS)
    assert ids() == [first["id"], second["id"], third["id"]]

    # Sorted by status, the paused product (status "paused") comes after the active ones.
    frame.locator("s-select[label='Sort by'] select").select_option("status")
    frame.wait_for_function(
        "(last) => { const r = document.querySelectorAll('" + SHOWN + "');"
        " return r.length === 3 && Number(r[2].dataset.productId) === last; }",
        arg=first["id"],
        timeout=WAIT_MS,
    )
    assert ids()[2] == first["id"]


def test_a_push_outcome_shows_as_a_toast_and_in_its_row(page: Page, stack: Stack) -> None:
    frame, products = products_page(page, stack, ASINS[:2])
    target = products[0]
    proposed = Decimal(target["pricing"]["proposed_price"])
    button = row(frame, target["id"]).get_by_role("button", name=re.compile("Update Shopify for"))
    expect(button).to_be_enabled()
    button.click()
    title = target["title"]
    expect(page.locator("#toasts")).to_contain_text(
        f"Shopify price updated: {title} is now ${proposed:,}", timeout=WAIT_MS
    )
    expect(status_of(frame, target["id"])).to_have_text("In sync")
    expect(row(frame, target["id"]).locator("[data-cell=shopify]")).to_have_text(f"${proposed:,}")
    expect(
        row(frame, target["id"]).get_by_role("button", name=re.compile("Update"))
    ).to_be_disabled()
    # The other row did not move.
    expect(status_of(frame, products[1]["id"])).to_have_text("Needs approval")
    screenshot(page, "products-pushed")


def test_rows_show_amazons_move_and_the_product_images_load(page: Page, stack: Stack) -> None:
    frame, products = products_page(page, stack, ASINS[:2])
    target = products[0]
    before = Decimal(target["amazon_price"])
    # Amazon's price moves (the simulator's clock passes price periods) and PriceBridge looks.
    target_id = target["id"]
    for _ in range(30):  # within the periods stack.py keeps every listing in stock
        stack.advance_amazon(60.0)
        seen = target["observed_at"]
        assert stack.api("POST", f"/api/products/{target_id}/refresh").status_code == 202
        stack.wait_for(lambda seen=seen: product(stack, target_id)["observed_at"] != seen)
        target = product(stack, target_id)
        if Decimal(target["amazon_price"]) != before:
            break
    now = Decimal(target["amazon_price"])
    assert now != before, "Amazon's price never moved"
    assert Decimal(target["previous_amazon_price"]) == before
    change = row(frame, target["id"]).locator("[data-amazon-change]")
    arrow = "▲" if now > before else "▼"
    expect(change).to_contain_text(arrow, timeout=WAIT_MS)
    expect(change).to_contain_text(f"from ${before:,}")
    expect(row(frame, target["id"]).locator("[data-cell=amazon] [data-money]")).to_have_text(
        f"${now:,}"
    )
    # Every thumbnail is a picture the browser decoded (the simulator serves the catalogue's).
    frame.wait_for_function(
        """() => [...document.querySelectorAll('s-thumbnail')].every((t) => {
            const img = t.shadowRoot && t.shadowRoot.querySelector('img');
            return img && img.complete && img.naturalWidth > 0;
        }) && document.querySelectorAll('s-thumbnail').length > 0""",
        timeout=WAIT_MS,
    )
    screenshot(page, "products-amazon-move")
