"""The CSV import on the Link products page: a file with a bad row shows that row's line,
column and reason and links nothing; a good file, checked then imported, links every row and
the rows appear on the products page; a merchant who leaves the page while a big file is
checked finds it where it stands on coming back, and a checked file still ready to import;
a checked file left for a day must be chosen again."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import Frame, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.ingest.link_import import EXPIRES_AFTER
from app.models import LinkImport
from tests.e2e.conftest import app_frame, screenshot, serious_violations
from tests.e2e.stack import SHOP, Stack

pytestmark = pytest.mark.e2e
WAIT_MS = 45_000
HEADER = "Variant ID,SKU,Amazon URL or ASIN,Marketplace,Markup %"


def choose_file(frame: Frame, lines: list[str]) -> None:
    data = ("\ufeff" + "\r\n".join([HEADER, *lines]) + "\r\n").encode()
    frame.locator("[data-import-file]").set_input_files(
        files=[{"name": "links.csv", "mimeType": "text/csv", "buffer": data}]
    )


def number(variant: dict[str, str]) -> str:
    return variant["id"].rsplit("/", 1)[1]


def test_a_csv_import_with_a_bad_row_shows_that_rows_error_and_imports_nothing(
    page: Page, stack: Stack
) -> None:
    stack.seed_shop(products=3)
    app_frame(page, stack)  # installs the app
    first, second, _ = stack.variants()
    frame = app_frame(page, stack, "/link")
    choose_file(
        frame,
        [
            f"{number(first)},,https://www.amazon.com/dp/B0CSV00001,,25",
            f",{second['sku']},B0CSV0000,com,",  # line 3: nine characters, not an ASIN
        ],
    )
    report = frame.locator("[data-import-report]")
    expect(report).to_contain_text("1 row of 2 has problems; nothing was imported", timeout=WAIT_MS)
    row = frame.locator("[data-import-errors] s-table-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-line", "3")
    expect(row.locator("s-table-cell").nth(1)).to_have_text("Amazon URL or ASIN")
    expect(row.locator("s-table-cell").nth(2)).to_contain_text("B0CSV0000")
    expect(frame.locator("[data-action=import]")).to_have_attribute("disabled", "")
    with page.expect_download() as download:
        frame.locator("[data-action=problems]").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert saved[0] == "Line,Column,Problem,Code"
    assert saved[1].startswith("3,Amazon URL or ASIN,")
    assert saved[1].endswith(",invalid_listing")
    screenshot(page, "csv-import-bad-row")
    assert serious_violations(frame) == []
    assert stack.products() == []


def test_a_good_csv_is_checked_then_imported_and_its_rows_appear(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=3)
    app_frame(page, stack)
    first, second, _ = stack.variants()
    frame = app_frame(page, stack, "/link")
    choose_file(
        frame,
        [
            f"{number(first)},,https://www.amazon.com/dp/B0CSV00001?th=1,,25",
            f",{second['sku'].lower()},B0CSV00002,com,",
        ],
    )
    report = frame.locator("[data-import-report]")
    expect(report).to_contain_text("2 rows ready to import", timeout=WAIT_MS)
    assert stack.products() == []  # the check links nothing
    screenshot(page, "csv-import-checked")
    frame.locator("[data-action=import]").click()
    expect(report).to_contain_text("2 products linked", timeout=WAIT_MS)
    expect(page.locator("#toasts")).to_contain_text("2 products linked")
    linked = {p["shopify_variant_gid"]: p["asin"] for p in stack.products()}
    assert linked == {first["id"]: "B0CSV00001", second["id"]: "B0CSV00002"}

    frame = app_frame(page, stack)
    rows = frame.locator("s-table-row[data-product-id]")
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    expect(frame.locator(".pb-view")).to_contain_text("B0CSV00001")
    expect(frame.locator(".pb-view")).to_contain_text("B0CSV00002")
    screenshot(page, "csv-import-products")


def test_a_big_file_is_checked_and_imported_by_jobs_with_progress(page: Page, stack: Stack) -> None:
    rows = 600  # over the 500 rows checked in the request: the check and the commit are jobs
    stack.seed_shop(products=rows)
    app_frame(page, stack)
    variants = stack.variants()
    frame = app_frame(page, stack, "/link")
    frame.evaluate("window.__pbDelivered.length = 0")
    # One listing for every variant (a listing may back many variants).
    choose_file(frame, [f"{number(v)},,B0CSV00001,com," for v in variants])
    report = frame.locator("[data-import-report]")
    expect(report).to_contain_text(f"{rows} rows ready to import", timeout=WAIT_MS)
    frame.locator("[data-action=import]").click()
    expect(report).to_contain_text(f"{rows} products linked", timeout=WAIT_MS)
    expect(page.locator("#toasts")).to_contain_text(f"{rows} products linked")
    expect(frame.locator("[data-import-progress]")).to_be_empty()
    assert len(stack.products()) == 100  # the API's page; every row is linked:
    summary = stack.api("GET", "/api/summary").json()
    assert summary["products"] == rows, summary
    events = stack.api("GET", "/api/events?after=0").json()["events"]
    imports = [e for e in events if e["type"] == "import"]
    states = [e["data"]["state"] for e in imports]
    assert states[0] == "validating", states
    assert states[-1] == "imported", states
    assert {"validated", "importing"} <= set(states)
    # Every progress event of the jobs reached the page, in order (it draws the progress bar).
    delivered = frame.evaluate("window.__pbDelivered.slice()")
    assert [e["seq"] for e in imports] == [
        seq for seq in delivered if seq in {e["seq"] for e in imports}
    ]
    assert set(e["seq"] for e in imports) <= set(delivered)
    screenshot(page, "csv-import-big")


def go_to(page: Page, frame: Frame, label: str) -> None:
    """The admin's app navigation (s-app-nav): the app changes view without reloading."""
    page.locator(".app-nav a", has_text=label).click()
    expect(frame.locator(".pb-view")).to_be_visible(timeout=WAIT_MS)


def test_leaving_the_page_mid_import_and_coming_back_shows_where_it_stands(
    page: Page, stack: Stack
) -> None:
    rows = 600  # a job: three Shopify batches of 250, 250 and 100 variants
    stack.seed_shop(products=rows)
    app_frame(page, stack)
    variants = stack.variants()
    frame = app_frame(page, stack, "/link")
    # Shopify answers each batch of the check 6 s late: the merchant leaves while it runs.
    armed = requests.post(
        f"{stack.shopify_url}/_sim/graphql/faults",
        json={"kind": "timeout", "sleep_seconds": 6, "count": 3, "shop": SHOP},
        timeout=5,
    )
    assert armed.status_code == 201, armed.text
    choose_file(frame, [f"{number(v)},,B0CSV00001,com," for v in variants])
    progress = frame.locator("[data-import-progress]")
    expect(progress).to_contain_text(f"Checking: checked 0 of {rows} rows", timeout=WAIT_MS)

    go_to(page, frame, "Settings")
    expect(progress).to_have_count(0)
    go_to(page, frame, "Link products")
    # No file chosen on this page: the running import is found and shown where it stands,
    # then followed by its import events to the end of the check.
    expect(progress).to_contain_text("Checking: checked", timeout=WAIT_MS)
    expect(progress).to_contain_text(f"of {rows} rows")
    expect(progress).to_contain_text(f"Checking: checked 500 of {rows} rows", timeout=WAIT_MS)
    report = frame.locator("[data-import-report]")
    expect(report).to_contain_text(f"{rows} rows ready to import", timeout=WAIT_MS)
    assert stack.products() == []

    frame = app_frame(page, stack)  # the products page, loaded anew
    frame = app_frame(page, stack, "/link")
    report = frame.locator("[data-import-report]")
    expect(report).to_contain_text(f"{rows} rows ready to import", timeout=WAIT_MS)
    expect(report).to_contain_text("links.csv: every row is good")
    expect(report).to_contain_text("A checked file is kept until")
    screenshot(page, "csv-import-resumed")
    assert serious_violations(frame) == []
    frame.locator("[data-action=import]").click()
    expect(report).to_contain_text(f"{rows} products linked", timeout=WAIT_MS)
    summary = stack.api("GET", "/api/summary").json()
    assert summary["products"] == rows, summary


def test_a_checked_file_left_for_a_day_must_be_chosen_again(page: Page, stack: Stack) -> None:
    stack.seed_shop(products=1)
    app_frame(page, stack)
    [variant] = stack.variants()
    frame = app_frame(page, stack, "/link")
    choose_file(frame, [f"{number(variant)},,B0CSV00001,com,"])
    report = frame.locator("[data-import-report]")
    expect(report).to_contain_text("1 row ready to import", timeout=WAIT_MS)
    with stack.app.app_context():  # the merchant comes back to the page a day later
        for link_import in db.session.scalars(select(LinkImport)):
            link_import.created_at -= EXPIRES_AFTER
        db.session.commit()
    frame.locator("[data-action=import]").click()
    expect(report).to_contain_text("This file was not imported in time", timeout=WAIT_MS)
    expect(report).to_contain_text("Choose the file again")
    expect(frame.locator("[data-action=import]")).to_have_attribute("disabled", "")
    assert stack.products() == []

    frame = app_frame(page, stack, "/link")  # an expired import is not offered again
    expect(frame.locator("[data-import-report]")).to_be_empty()
    expect(frame.locator("[data-action=import]")).to_have_attribute("disabled", "")
