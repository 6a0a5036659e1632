"""Settings: the save bar appears on a change, the preview says how many prices move and by how
much before saving, Save stores the rules; a bad value is refused in plain words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import app_frame, screenshot, serious_violations
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
WAIT_MS = 45_000


def test_settings_preview_then_save_through_the_save_bar(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=3)
    app_frame(page, stack)
    for number, variant in enumerate(stack.variants()[:2]):
        stack.link(variant, f"B0SET0000{number}")
    frame = app_frame(page, stack, "/settings")
    expect(frame.get_by_label("Markup (%)")).to_be_visible(timeout=WAIT_MS)
    save_bar = page.locator("#save-bar")
    expect(save_bar).to_be_hidden()
    # Both products observed and priced before previewing.
    stack.wait_for(lambda: all(p["pricing"]["proposed_price"] for p in stack.products()))

    frame.get_by_label("Markup (%)").fill("45")
    expect(save_bar).to_be_visible()
    expect(frame.locator("[data-preview-count]")).to_contain_text(
        "2 of 2 prices would change", timeout=WAIT_MS
    )
    screenshot(page, "settings-preview")
    assert serious_violations(frame) == []

    save_bar.get_by_role("button", name="Save").click()
    expect(save_bar).to_be_hidden(timeout=WAIT_MS)
    expect(page.locator("#toasts")).to_contain_text("Settings saved")
    assert stack.api("GET", "/api/shop/settings").json()["markup_percent"] in ("45", "45.00")


def test_a_refused_setting_is_explained_next_to_its_field(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=1)
    frame = app_frame(page, stack, "/settings")
    frame.get_by_label("Margin floor (%)").fill("-5")
    field = frame.locator("s-number-field[name=min_margin_percent]")
    expect(field).to_have_attribute("error", re.compile(r"\w"), timeout=WAIT_MS)
    message = field.get_attribute("error") or ""
    expect(frame.locator("[data-settings-preview] s-banner")).to_have_text(message)
    screenshot(page, "settings-error")
    page.locator("#save-bar").get_by_role("button", name="Discard").click()
    expect(page.locator("#save-bar")).to_be_hidden()
    assert stack.api("GET", "/api/shop/settings").json()["min_margin_percent"] != "-5"


def test_cost_basis_polling_tier_and_budget_are_shown_and_saved(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=1)
    frame = app_frame(page, stack, "/settings")
    cost_basis = frame.locator("s-select[name=cost_basis] select")
    expect(cost_basis).to_have_value("landed_cost", timeout=WAIT_MS)  # an option, never empty
    tier = frame.locator("s-select[name=polling_tier] select")
    expect(tier).to_have_value("normal")
    budget = frame.get_by_label("Monthly Oxylabs budget (results)")
    expect(budget).to_have_value("")  # the default, named in its placeholder
    expect(budget).to_have_attribute("placeholder", "100,000 (default)")

    # A budget that is not a whole number is refused next to its field, in the server's words.
    budget.fill("-3")
    field = frame.locator("s-number-field[name=oxylabs_monthly_budget]")
    expect(field).to_have_attribute(
        "error",
        "Monthly Oxylabs budget (results): must be between 0 and 100000000, got -3",
        timeout=WAIT_MS,
    )

    budget.fill("2500")
    tier.select_option("hot")
    cost_basis.select_option("item_price")
    save_bar = page.locator("#save-bar")
    expect(save_bar).to_be_visible()
    expect(field).not_to_have_attribute("error", re.compile("."))
    expect(frame.locator("[data-preview-count]")).to_have_text("No price would change.")
    screenshot(page, "settings-polling")
    save_bar.get_by_role("button", name="Save").click()
    expect(save_bar).to_be_hidden(timeout=WAIT_MS)
    saved = stack.api("GET", "/api/shop/settings").json()
    assert (saved["polling_tier"], saved["oxylabs_monthly_budget"], saved["cost_basis"]) == (
        "hot",
        2500,
        "item_price",
    )
    assert saved["oxylabs_monthly_budget_is_default"] is False
    # Drawn again from what was saved.
    expect(frame.get_by_label("Monthly Oxylabs budget (results)")).to_have_value("2500")
    expect(frame.locator("s-select[name=polling_tier] select")).to_have_value("hot")
