"""Browser tests in Debian's Chromium (never a downloaded browser), inside the simulated admin.

`make test` runs these; with no Chromium they fail with a message saying how to install it,
never skip. Screenshots of each page land in .e2e/screenshots/ (E2E_SCREENSHOTS overrides).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Frame, Page, Playwright, expect, sync_playwright

from tests.e2e.stack import Stack, running_stack
from tests.support import ROOT

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Every wait of a browser test is on a condition; on CI's two loaded cores a condition that
#: holds at once on a quiet machine may take seconds, so no wait gives up before these.
EXPECT_TIMEOUT_MS = 20_000
ACTION_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", ROOT / ".e2e" / "screenshots"))
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DIST = ROOT / "web" / "dist" / ".vite" / "manifest.json"


def chromium_path() -> str:
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        pytest.fail(
            "No Chromium found for the browser tests (looked for $CHROMIUM, chromium on PATH and "
            "/usr/bin/chromium). Install Debian's: apt-get install -y chromium",
            pytrace=False,
        )
    return candidate


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not DIST.exists() or not AXE.exists():
        pytest.fail(
            "The dashboard is not built: run `make web` (npm ci and vite build in web/).",
            pytrace=False,
        )
    launched = playwright.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True
    )
    yield launched
    launched.close()


@pytest.fixture
def stack(app: Flask, make_app: Callable[..., Flask]) -> Iterator[Stack]:
    with running_stack(make_app) as running:
        yield running
        assert not running.worker_errors, running.worker_errors
        assert running.failed_jobs() == []


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="en-US")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def app_frame(page: Page, stack: Stack, path: str = "") -> Frame:
    """Open PriceBridge in the simulated admin and return its iframe once the page has drawn."""
    page.goto(stack.admin_url + path)
    handle = page.wait_for_selector("#app-frame")
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_selector("#pricebridge .pb-view", timeout=30_000)
    return frame


def screenshot(page: Page, name: str) -> Path:
    """The admin with the whole app page in its frame: the viewport grows by what the frame
    scrolls for the shot, then goes back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    frame = page.frame(name="app-iframe")
    hidden = 0
    if frame is not None:
        hidden = int(
            frame.evaluate("() => document.documentElement.scrollHeight - window.innerHeight")
        )
    size = page.viewport_size
    try:
        if size is not None and hidden > 0:
            page.set_viewport_size({"width": size["width"], "height": size["height"] + hidden})
        page.screenshot(path=str(path), full_page=True)
    finally:
        if size is not None and hidden > 0:
            page.set_viewport_size(size)
    return path


def serious_violations(frame: Frame) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the frame's document (WCAG 2.1 A and AA)."""
    if not frame.evaluate("typeof window.axe !== 'undefined'"):
        frame.evaluate(AXE.read_text())
    result = frame.evaluate(
        """async () => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
            const r = await axe.run(document, { runOnly: tags });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]
