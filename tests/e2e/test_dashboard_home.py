"""Products home in Chromium inside the simulated admin: setup guide, table, summary, a11y."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

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
