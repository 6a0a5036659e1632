"""Product detail in Chromium: the chart's range, pause and resume, refresh now, clearing a
manual override; and skeletons that hold the place of what loads, with no layout shift."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Frame, Page, Route, expect

from tests.e2e.conftest import screenshot, serious_violations
from tests.e2e.stack import Stack
from tests.e2e.support import WAIT_MS, hand_edit, product, products_page

pytestmark = pytest.mark.e2e


def open_detail(page: Page, stack: Stack, asin: str) -> tuple[Frame, dict[str, Any]]:
    frame, products = products_page(page, stack, [asin])
    target = products[0]
    frame.locator(f"s-link[href='/app/products/{target['id']}']").click()
    expect(frame.locator("[data-fact=status]")).to_be_visible(timeout=WAIT_MS)
    frame.wait_for_selector("[data-observation-id]", timeout=WAIT_MS)
    return frame, target


def status(frame: Frame) -> Any:
    return frame.locator("[data-fact=status] s-badge")


def test_the_charts_range_is_chosen_and_asked_of_the_server(page: Page, stack: Stack) -> None:
    frame, _ = open_detail(page, stack, "B0E2E00001")
    chart = frame.locator(".pb-chart")
    expect(chart).to_have_attribute("data-range", "7d", timeout=WAIT_MS)
    expect(chart.locator("canvas")).to_have_count(1)
    for value, days in (("1d", 1), ("30d", 30), ("1y", 365)):
        with page.expect_request(lambda r: "/series?" in r.url) as asked:
            frame.locator("s-select[label='Range'] select").select_option(value)
        query = parse_qs(urlsplit(asked.value.url).query)
        start = datetime.fromisoformat(query["from"][0].replace("Z", "+00:00"))
        end = datetime.fromisoformat(query["to"][0].replace("Z", "+00:00"))
        assert end - start == timedelta(days=days)
        assert abs(end - datetime.now(UTC)) < timedelta(minutes=5)
        expect(chart).to_have_attribute("data-range", value, timeout=WAIT_MS)
        labels = chart.get_attribute("data-ticks") or ""
        assert ".000" not in labels, labels  # never fractions of a second
        if value == "1d":  # the last hour of a young product: clock times
            screenshot(page, "product-detail-range-day")
            assert re.search(r"\b\d{1,2}:\d\d [AP]M\b", labels), labels
    # A year (the simulated Amazon history starts in January): months, no clock times.
    assert re.search(r"\b[A-Z][a-z]{2} \d{1,2}\b", labels), labels
    assert not re.search(r"\d:\d\d", labels), labels
    screenshot(page, "product-detail-range")
    assert serious_violations(frame) == []


def test_pause_resume_refresh_now_and_clear_a_manual_override(page: Page, stack: Stack) -> None:
    frame, target = open_detail(page, stack, "B0E2E00002")
    expect(status(frame)).to_have_text("Needs approval", timeout=WAIT_MS)

    frame.get_by_role("button", name="Pause").click()
    expect(page.locator("#toasts")).to_contain_text("Paused:", timeout=WAIT_MS)
    expect(status(frame)).to_have_text("Paused", timeout=WAIT_MS)
    assert product(stack, target["id"])["status"] == "paused"
    screenshot(page, "product-detail-paused")
    frame.get_by_role("button", name="Resume").click()
    expect(page.locator("#toasts")).to_contain_text("Resumed:", timeout=WAIT_MS)
    expect(status(frame)).to_have_text("Needs approval", timeout=WAIT_MS)
    assert product(stack, target["id"])["status"] == "active"

    # Refresh now: Amazon's clock passes a price period and PriceBridge looks at once.
    seen = frame.locator("[data-observation-id]").count()
    stack.advance_amazon(60.0)
    frame.get_by_role("button", name="Refresh now").click()
    expect(page.locator("#toasts")).to_contain_text("Asking Amazon now", timeout=WAIT_MS)
    expect(frame.locator("[data-observation-id]")).to_have_count(seen + 1, timeout=WAIT_MS)
    assert len(product(stack, target["id"])["history"]) == seen + 1

    hand_edit(stack, target, "12.34")
    expect(status(frame)).to_have_text("Manually overridden", timeout=WAIT_MS)
    clear = frame.get_by_role("button", name="Use PriceBridge's price")
    expect(clear).to_be_visible()
    screenshot(page, "product-detail-overridden")
    clear.click()
    expect(page.locator("#toasts")).to_contain_text("Manual override cleared", timeout=WAIT_MS)
    expect(status(frame)).not_to_have_text("Manually overridden", timeout=WAIT_MS)
    expect(clear).to_have_count(0)
    assert product(stack, target["id"])["pricing"]["manual_override"] is None


def test_skeletons_hold_the_place_of_what_loads_and_nothing_shifts(
    page: Page, stack: Stack
) -> None:
    _, products = products_page(page, stack, ["B0E2E00003", "B0E2E00004"])
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    def release() -> None:
        for route in held:
            route.continue_()
        held.clear()

    # The products page: its skeleton is in the page itself, until the dashboard's script runs.
    entry = lambda url: "/app-assets/assets/main-" in url and url.endswith(".js")  # noqa: E731
    page.route(entry, hold)
    page.goto(stack.admin_url, wait_until="domcontentloaded")  # the frame cannot finish yet
    frame = page.wait_for_selector("#app-frame").content_frame()
    assert frame is not None
    expect(frame.locator(".pb-skeleton-table")).to_be_visible(timeout=WAIT_MS)
    screenshot(page, "products-loading")
    release()
    page.unroute(entry, hold)
    expect(frame.locator("s-table-row[data-product-id]")).to_have_count(2, timeout=WAIT_MS)
    frame.wait_for_function("() => document.documentElement.dataset.live === 'online'")

    # A product page: its skeleton until the product's answer comes back.
    target = products[0]["id"]
    answer = lambda url: f"/api/products/{target}?history_limit=" in url  # noqa: E731
    page.route(answer, hold)
    frame.locator(f"s-link[href='/app/products/{target}']").click()
    expect(frame.locator(".pb-skeleton-detail")).to_be_visible(timeout=WAIT_MS)
    stack.wait_for(lambda: bool(held), 30)
    screenshot(page, "product-detail-loading")
    boxes = "(els) => els.map((el) => el.getBoundingClientRect().height)"
    skeleton = frame.locator(".pb-skeleton-detail .pb-skeleton-block").evaluate_all(boxes)
    release()
    page.unroute(answer, hold)
    expect(frame.locator("[data-fact=status]")).to_be_visible(timeout=WAIT_MS)
    expect(frame.locator(".pb-chart canvas")).to_have_count(1, timeout=WAIT_MS)
    drawn = frame.locator(".pb-summary-section, .pb-history-section").evaluate_all(boxes)
    # The skeleton's boxes are the heights of the summary and the chart that replace them.
    assert len(drawn) == len(skeleton) == 2, (skeleton, drawn)
    assert all(abs(a - b) <= 1 for a, b in zip(skeleton, drawn, strict=True)), (skeleton, drawn)
    # Cumulative layout shift over both loads (PerformanceObserver, App Bridge's Web Vitals).
    shift = frame.evaluate("() => shopify.webVitals.__current().CLS")
    assert shift < 0.05, shift
    screenshot(page, "product-detail-loaded")
