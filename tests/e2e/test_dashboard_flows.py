"""The merchant's flows end to end: setup guide -> link through the picker -> observations ->
markup -> "Update Shopify" -> the simulator's variant has the price and the row is in sync;
Shopify's refusal shown with Shopify's message; a hand edit shown as manually overridden."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal

import pytest
import requests
from playwright.sync_api import Frame, Page, expect

from tests.e2e.conftest import app_frame, screenshot, serious_violations
from tests.e2e.stack import SHOP, Stack

pytestmark = pytest.mark.e2e
WAIT_MS = 45_000


def link_first_variant(page: Page, frame: Frame, asin: str) -> str:
    """Through the setup guide and the resource picker; returns the variant's GID."""
    frame.get_by_role("button", name="Link a product").click()
    frame.wait_for_selector("[data-chosen-variant]")
    frame.locator("[data-action=pick]").click()
    dialog = page.locator("#resource-picker")
    expect(dialog).to_be_visible()
    first = dialog.locator("input[name=variant]").first
    variant_gid = first.get_attribute("value")
    assert variant_gid
    first.check()
    dialog.get_by_role("button", name="Select").click()
    expect(frame.locator("[data-chosen-variant]")).not_to_contain_text("No variant chosen")
    frame.get_by_label("Amazon product URL or ASIN").fill(f"https://www.amazon.com/dp/{asin}?th=1")
    expect(frame.locator("[data-listing-preview]")).to_contain_text(f"ASIN {asin} on amazon.com")
    screenshot(page, "link-products")
    assert serious_violations(frame) == []
    frame.get_by_role("button", name="Link product").click()
    frame.wait_for_url(re.compile(r"/app/products/\d+"), timeout=WAIT_MS)
    expect(frame.locator("[data-fact=status]")).to_be_visible(timeout=WAIT_MS)
    return variant_gid


def sim_price(stack: Stack, variant_gid: str) -> Decimal:
    # PriceBridge has read the variant's price from Shopify (the link's reconciliation), so
    # what follows is a change made by hand, not the price it starts from.
    stack.wait_for(lambda: all(p["shopify_price"] for p in stack.products()))
    variant = next(v for v in stack.variants() if v["id"] == variant_gid)
    return Decimal(variant["price"])


def marked_up(cost: Decimal, markup_percent: Decimal) -> Decimal:
    """The shop's rule with no add-on and rounding "none": cost plus the markup, rounded up to
    the cent (PriceBridge never rounds a price down)."""
    return (cost * (1 + markup_percent / 100)).quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def test_setup_guide_to_update_shopify_to_in_sync(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=3)
    frame = app_frame(page, stack)
    variant_gid = link_first_variant(page, frame, "B0E2E00001")
    product_id = int(frame.url.split("?")[0].rstrip("/").rsplit("/", 1)[1])

    # Observations arrive on the product page without a reload.
    frame.wait_for_selector("[data-observation-id]", timeout=WAIT_MS)
    rules = stack.api("GET", "/api/shop/settings").json()
    # The rules the expected price below is computed with: a markup, nothing added, no rounding.
    assert (rules["rounding"], rules["fixed_addon"], rules["cost_basis"]) == (
        "none",
        "0.00",
        "landed_cost",
    )
    detail = stack.api("GET", f"/api/products/{product_id}?history_limit=1").json()
    observed = detail["history"][0]
    amazon = Decimal(observed["price"])
    expect(frame.locator("[data-fact=amazon_price] .pb-metric")).to_have_text(f"${amazon:,}")
    frame.get_by_label("Markup for this product (%)").fill("50")
    frame.get_by_role("button", name="Save markup").click()
    # 50 % on the landed cost (Amazon's price and its shipping), in the shop's currency.
    expected = marked_up(amazon + Decimal(observed["shipping_price"] or "0"), Decimal(50))
    proposed_fact = frame.locator("[data-fact=proposed] .pb-metric")
    expect(proposed_fact).to_have_text(f"${expected:,}", timeout=WAIT_MS)
    expect(frame.locator("[data-fact=proposed]")).to_contain_text("50% markup (this product)")
    expect(frame.locator("s-badge").first).to_have_text("Needs approval")
    screenshot(page, "product-detail")
    assert serious_violations(frame) == []

    frame.get_by_role("button", name="Update Shopify").click()
    expect(frame.locator("s-badge").first).to_have_text("In sync", timeout=WAIT_MS)
    assert sim_price(stack, variant_gid) == expected

    frame.locator(".pb-view s-link[href='/app']").first.click()
    row = frame.locator("s-table-row[data-product-id]")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    expect(row.locator("[data-cell=status] s-badge")).to_have_text("In sync")
    expect(row.locator("[data-cell=shopify]")).to_have_text(f"${expected:,}")
    expect(page.locator("#toasts")).to_contain_text("Shopify price updated", timeout=WAIT_MS)
    screenshot(page, "products")
    assert serious_violations(frame) == []


def test_shopify_refusal_shows_shopifys_message_in_the_row(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=2)
    frame = app_frame(page, stack)
    variant_gid = link_first_variant(page, frame, "B0E2E00002")
    frame.wait_for_selector("[data-observation-id]", timeout=WAIT_MS)
    expect(frame.locator("s-badge").first).to_have_text("Needs approval", timeout=WAIT_MS)
    message = "Price must be less than 1000000"
    armed = requests.post(
        f"{stack.shopify_url}/_sim/graphql/faults",
        json={"kind": "user_error", "variant_id": variant_gid, "shop": SHOP, "message": message},
        timeout=5,
    )
    assert armed.status_code == 201, armed.text

    frame.get_by_role("button", name="Update Shopify").click()
    expect(frame.locator("s-badge").first).to_have_text("Failed", timeout=WAIT_MS)
    expect(frame.locator("[data-fact=status]")).to_contain_text(message)
    frame.locator(".pb-view s-link[href='/app']").first.click()
    row = frame.locator("s-table-row[data-product-id]")
    expect(row.locator("[data-cell=status]")).to_contain_text(message, timeout=WAIT_MS)
    screenshot(page, "products-failed")


def test_a_hand_edit_in_the_admin_shows_as_manually_overridden(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=2)
    frame = app_frame(page, stack)
    variant_gid = link_first_variant(page, frame, "B0E2E00003")
    frame.wait_for_selector("[data-observation-id]", timeout=WAIT_MS)

    # PriceBridge has read the variant's price from Shopify (the link's reconciliation), so
    # what follows is a change made by hand, not the price it starts from.
    stack.wait_for(lambda: all(p["shopify_price"] for p in stack.products()))
    variant = next(v for v in stack.variants() if v["id"] == variant_gid)
    product_id, variant_id = (gid.rsplit("/", 1)[1] for gid in (variant["product_id"], variant_gid))
    edited = requests.patch(  # the merchant types a price in the admin's Products page
        f"{stack.shopify_url}/_sim/products/{product_id}/variants/{variant_id}",
        json={"shop": SHOP, "price": "12.34", "wait": True},
        timeout=15,
    )
    assert edited.status_code == 200, edited.text
    expect(frame.locator("s-badge").first).to_have_text("Manually overridden", timeout=WAIT_MS)
    expect(frame.get_by_role("button", name="Use PriceBridge's price")).to_be_visible()
    frame.locator(".pb-view s-link[href='/app']").first.click()
    row = frame.locator("s-table-row[data-product-id]")
    expect(row.locator("[data-cell=status] s-badge")).to_have_text(
        "Manually overridden", timeout=WAIT_MS
    )
