from __future__ import annotations

from datetime import date

import pytest

from app.ingest.normalize_delivery import parse_day, parse_window, resolve_delivery

SCRAPED = date(2025, 6, 23)  # a Monday, as in the real in-stock sample
NEW_YEARS_EVE_EVE = date(2025, 12, 30)


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("Wednesday, June 25", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("June 25", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("Jun 25", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("Wed, Jun 25", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("Tomorrow, June 24", SCRAPED, (date(2025, 6, 24), date(2025, 6, 24))),
        ("Tomorrow", SCRAPED, (date(2025, 6, 24), date(2025, 6, 24))),
        ("Today", SCRAPED, (date(2025, 6, 23), date(2025, 6, 23))),
        ("Overnight 7 AM - 11 AM", SCRAPED, (date(2025, 6, 24), date(2025, 6, 24))),
        ("Today 10 AM - 3 PM", SCRAPED, (date(2025, 6, 23), date(2025, 6, 23))),
        ("June 25 - 26", SCRAPED, (date(2025, 6, 25), date(2025, 6, 26))),
        ("June 27 - July 1", SCRAPED, (date(2025, 6, 27), date(2025, 7, 1))),
        ("June 30 - July 7", SCRAPED, (date(2025, 6, 30), date(2025, 7, 7))),
        ("Aug 4 - 7", SCRAPED, (date(2025, 8, 4), date(2025, 8, 7))),
        ("Aug 4 \u2013 7", SCRAPED, (date(2025, 8, 4), date(2025, 8, 7))),
        ("June 29 - 2", SCRAPED, (date(2025, 6, 29), date(2025, 7, 2))),
        ("4 - 7 Aug", SCRAPED, (date(2025, 8, 4), date(2025, 8, 7))),
        ("Friday, 27 June", SCRAPED, (date(2025, 6, 27), date(2025, 6, 27))),
        ("Mittwoch, 25. Juni", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("mercredi 25 juin", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("25 de junio", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("6月25日", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("Wednesday", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ("Monday", SCRAPED, (date(2025, 6, 30), date(2025, 6, 30))),
        ("Sept. 5", SCRAPED, (date(2025, 9, 5), date(2025, 9, 5))),
        ("June 25th", SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        # Across New Year: a month and day take the year nearest to the scrape.
        ("January 3", NEW_YEARS_EVE_EVE, (date(2026, 1, 3), date(2026, 1, 3))),
        ("Friday, January 2", NEW_YEARS_EVE_EVE, (date(2026, 1, 2), date(2026, 1, 2))),
        ("Dec 31 - Jan 4", NEW_YEARS_EVE_EVE, (date(2025, 12, 31), date(2026, 1, 4))),
        ("Dec 30 - 2", NEW_YEARS_EVE_EVE, (date(2025, 12, 30), date(2026, 1, 2))),
        (
            "Tomorrow",
            NEW_YEARS_EVE_EVE + (date(2025, 12, 31) - NEW_YEARS_EVE_EVE),
            (date(2026, 1, 1), date(2026, 1, 1)),
        ),
        ("December 31", date(2026, 1, 2), (date(2025, 12, 31), date(2025, 12, 31))),
        ("February 29", date(2028, 2, 20), (date(2028, 2, 29), date(2028, 2, 29))),
    ],
)
def test_window(text: str, reference: date, expected: tuple[date, date]) -> None:
    assert parse_window(text, reference) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "soon",
        "June",
        "June 32",
        "February 30",
        "February 29",  # 2025 and its neighbours are not leap years
        "Smarch 5",
        "June 25 - June 20",
        "June 25 - 26 - 27",
        "13/06",
        "2025-06-25",
        "x" * 200,
        "Tomorrow" * 20,
    ],
)
def test_unreadable_window_is_none(text: str) -> None:
    assert parse_window(text, SCRAPED) is None


@pytest.mark.parametrize(
    ("value", "reference", "expected"),
    [
        ({"by": "Wednesday, June 25"}, SCRAPED, (date(2025, 6, 25), date(2025, 6, 25))),
        ({"from": "June 26", "by": "27"}, SCRAPED, (date(2025, 6, 26), date(2025, 6, 27))),
        ({"from": "August 4", "by": "5"}, SCRAPED, (date(2025, 8, 4), date(2025, 8, 5))),
        ({"from": "June 30", "by": "2"}, SCRAPED, (date(2025, 6, 30), date(2025, 7, 2))),
        ({"from": "June 27", "by": "July 1"}, SCRAPED, (date(2025, 6, 27), date(2025, 7, 1))),
        ({"from": "June 26"}, SCRAPED, (date(2025, 6, 26), date(2025, 6, 26))),
        ({"by": "June 25 - 26"}, SCRAPED, (date(2025, 6, 25), date(2025, 6, 26))),
        (
            {"from": "December 31", "by": "3"},
            NEW_YEARS_EVE_EVE,
            (date(2025, 12, 31), date(2026, 1, 3)),
        ),
        (
            {"from": "January 2", "by": "January 5"},
            NEW_YEARS_EVE_EVE,
            (date(2026, 1, 2), date(2026, 1, 5)),
        ),
        ("Aug 4 - 7", SCRAPED, (date(2025, 8, 4), date(2025, 8, 7))),
    ],
)
def test_resolve_delivery_mapping(
    value: object, reference: date, expected: tuple[date, date]
) -> None:
    assert resolve_delivery(value, reference) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        5,
        [],
        {},
        {"from": 5, "by": None},
        {"from": "nonsense", "by": "5"},
        {"from": "June 26", "by": "nonsense"},
        {"from": "June 30", "by": "31"},  # June has 30 days, July 31 is not "31" after June 30
        {"by": ""},
    ],
)
def test_unreadable_delivery_is_none(value: object) -> None:
    assert resolve_delivery(value, SCRAPED) is None


def test_edges_of_the_calendar_do_not_crash() -> None:
    assert parse_window("Tomorrow", date.max) is None
    assert parse_window("December 31", date.max) == (date.max, date.max)
    assert parse_window("January 1", date.min) == (date.min, date.min)
    assert parse_day("Monday", date.max) is None
    assert resolve_delivery({"from": "December 31", "by": "2"}, date.max) is None
