"""Live: an Amazon change reaches its row without a reload; a lost network shows the offline
banner, and on return the page catches up with every event once (none lost, none repeated)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.e2e.conftest import app_frame, screenshot
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
WAIT_MS = 45_000


def live_products(page: Page, stack: Stack, count: int) -> tuple[Frame, list[dict[str, Any]]]:
    stack.seed_shop(products=count)
    app_frame(page, stack)
    for number, variant in enumerate(stack.variants()[:count]):
        stack.link(variant, f"B0E2E0000{number + 1}")
    stack.wait_for(lambda: all(p["amazon_price"] for p in stack.products()))
    frame = app_frame(page, stack)
    frame.wait_for_function(
        "() => document.documentElement.dataset.live === 'online'", timeout=WAIT_MS
    )
    return frame, stack.products()


def amazon_change(stack: Stack, product_id: int) -> None:
    """Amazon's price moves (one price period) and PriceBridge is asked to look now."""
    stack.advance_amazon(60.0)
    answer = stack.api("POST", f"/api/products/{product_id}/refresh")
    assert answer.status_code == 202, answer.text


def observed_at(stack: Stack, product_id: int) -> str:
    return next(p for p in stack.products() if p["id"] == product_id)["observed_at"]


def test_an_amazon_change_reaches_its_row_without_a_reload(page: Page, stack: Stack) -> None:
    frame, products = live_products(page, stack, 2)
    target = products[0]["id"]
    before = observed_at(stack, target)
    page.evaluate("() => { window.__notReloaded = true; }")

    amazon_change(stack, target)
    stack.wait_for(lambda: observed_at(stack, target) != before)
    row = frame.locator(f"s-table-row[data-product-id='{target}']")
    expect(row).to_have_attribute(
        "data-observed-at", observed_at(stack, target), timeout=WAIT_MS
    )  # how fast is bench/dashboard's figure, not a test's
    assert page.evaluate("() => window.__notReloaded") is True


def test_killing_and_restoring_the_socket_loses_no_update(page: Page, stack: Stack) -> None:
    frame, products = live_products(page, stack, 2)
    stack.relay.cut()
    expect(frame.locator(".pb-offline")).to_be_visible(timeout=WAIT_MS)
    screenshot(page, "products-offline")

    for product in products * 2:  # four changes while the page cannot hear them
        before = observed_at(stack, product["id"])
        amazon_change(stack, product["id"])
        stack.wait_for(lambda p=product, b=before: observed_at(stack, p["id"]) != b)
    latest = stack.api("GET", "/api/events?after=0").json()["seq"]

    stack.relay.restore()
    expect(frame.locator(".pb-offline")).to_be_hidden(timeout=WAIT_MS)
    frame.wait_for_function(
        f"() => window.__pbDelivered.length && window.__pbDelivered.at(-1) >= {latest}",
        timeout=WAIT_MS,
    )
    delivered = frame.evaluate("() => window.__pbDelivered")
    # Every event exactly once, in order: no gap, no repeat.
    assert delivered == list(range(delivered[0], delivered[0] + len(delivered)))
    for product in products:
        row = frame.locator(f"s-table-row[data-product-id='{product['id']}']")
        expect(row).to_have_attribute("data-observed-at", observed_at(stack, product["id"]))
