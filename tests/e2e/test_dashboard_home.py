"""Products home in Chromium inside the simulated admin: setup guide, table, summary, a11y."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import app_frame, screenshot, serious_violations
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


def test_a_new_shop_sees_the_setup_guide(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=3)
    frame = app_frame(page, stack)

    guide = frame.wait_for_selector("[data-setup-guide]")
    assert "Link your first product" in guide.inner_text()
    assert "Set your markup" in guide.inner_text()
    assert "Update Shopify" in guide.inner_text()
    screenshot(page, "products-empty")
    assert serious_violations(frame) == []


def test_money_in_a_zero_decimal_currency_has_no_decimals(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=2, currency="JPY")
    app_frame(page, stack)
    product_id = stack.link(stack.variants()[0], "B0YEN00001", marketplace="co.jp")
    stack.wait_for(lambda: stack.products()[0]["amazon_price"] is not None)
    frame = app_frame(page, stack)

    row = frame.locator(f"s-table-row[data-product-id='{product_id}']")
    expect(row.locator("[data-cell=amazon] [data-money]")).to_have_text(re.compile(r"^¥[\d,]+$"))
    proposed = row.locator("[data-cell=proposed] [data-money]")
    expect(proposed).to_have_text(re.compile(r"^(¥[\d,]+|—)$"))
    screenshot(page, "products-jpy")


def test_every_control_is_reachable_and_named_from_the_keyboard(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=2)
    app_frame(page, stack)
    stack.link(stack.variants()[0], "B0KEY00001")
    stack.wait_for(lambda: stack.products()[0]["pricing"]["proposed_price"] is not None)
    frame = app_frame(page, stack)
    frame.wait_for_selector("s-table-row[data-product-id]")

    reached = []
    page.locator("#app-frame").focus()
    for _ in range(14):
        page.keyboard.press("Tab")
        reached.append(
            frame.evaluate(
                """() => {
                    let el = document.activeElement;
                    while (el && el.shadowRoot && el.shadowRoot.activeElement) {
                        el = el.shadowRoot.activeElement;
                    }
                    const host = el && el.getRootNode().host;
                    const name = el && (el.getAttribute('aria-label') || el.labels?.[0]?.textContent
                        || el.textContent.trim() || (host && host.textContent) || '').trim();
                    return [el ? el.tagName.toLowerCase() : null, name,
                            host ? host.tagName.toLowerCase() : null];
                }"""
            )
        )
    names = [name for _, name, _ in reached]
    assert any("Link products" in n for n in names), reached
    assert any("Search products" in n for n in names), reached
    assert any("Select every product shown" in n for n in names), reached
    assert any("Update Shopify for" in n for n in names), reached
    controls = ("button", "input", "select", "a")
    assert all(name for tag, name, _ in reached if tag in controls), reached
