"""Delivery promises without a year ("Wednesday, June 25", "Aug 4 - 7") resolved to dates.

Every date is resolved against a reference day (when the page was scraped): a month and day
take the year that puts them nearest to it, so "January 3" seen on December 30 is next year.
Anything unreadable gives None; these functions never raise on text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

from app.ingest.calendar_names import RELATIVE_DAYS, month_numbers, weekday_numbers
from app.ingest.text_repair import fold

_MAX_TEXT = 80
# A promise further than this from the scrape (or a range longer than this) is a misreading.
_MAX_DAYS = 200

# A word, hyphenated words included ("terça-feira"); digits are not letters.
_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)*"
# Day suffixes: English ordinals, French "1er", the folded Portuguese/Italian "1º".
_ORDINAL = r"(?:st|nd|rd|th|er|o)?"
_MONTH_FIRST = re.compile(rf"^({_WORD})\.?\s+(\d{{1,2}}){_ORDINAL}$")
_DAY_FIRST = re.compile(rf"^(\d{{1,2}}){_ORDINAL}\.?\s*(?:de\s+)?({_WORD})\.?$")
_JAPANESE = re.compile(r"^(\d{1,2})月(\d{1,2})日")
_DAY_ONLY = re.compile(r"^(\d{1,2})\.?日?(?:\s*\(\w+\))?$")
_YEAR = re.compile(r",?\s+(?:de\s+)?(\d{4})(?:年)?$")
_LEADING_WEEKDAY = re.compile(rf"^{_WORD}\.?,\s*")
_DASH = "[-\u2013\u2014]"
_RANGE_SPLIT = re.compile(
    rf"\s+{_DASH}\s*|\s*{_DASH}\s+|(?<=\d){_DASH}|{_DASH}(?=\d)|\s*[~\u301c]\s*"
    r"|\s+(?:to|bis|au|al|a|tot|till|do|الى)\s+"
)


def resolve_delivery(value: object, reference: date) -> tuple[date, date] | None:
    """Resolve a delivery promise: a string, or a ``{"from": ..., "by": ...}`` mapping."""
    if isinstance(value, str):
        return parse_window(value, reference)
    if not isinstance(value, Mapping):
        return None
    start_text, end_text = value.get("from"), value.get("by")
    if isinstance(start_text, str) and start_text.strip():
        start = parse_day(start_text, reference)
        if start is None:
            return None
        if not isinstance(end_text, str) or not end_text.strip():
            return start, start
        end = _resolve_end(end_text, start)
        return None if end is None else (start, end)
    if isinstance(end_text, str):
        return parse_window(end_text, reference)
    return None


def parse_window(text: str, reference: date) -> tuple[date, date] | None:
    """``"June 25"``, ``"Aug 4 - 7"``, ``"June 27 - July 1"``, ``"Tomorrow, June 24"``, ..."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > _MAX_TEXT:
        return None
    relative = _relative_day(cleaned, reference)
    if relative is not None:
        return relative, relative
    parts = _RANGE_SPLIT.split(cleaned)
    if len(parts) == 1:
        day = parse_day(parts[0], reference)
        return None if day is None else (day, day)
    if len(parts) == 2:
        return _parse_range(parts[0], parts[1], reference)
    return None


def _parse_range(first: str, second: str, reference: date) -> tuple[date, date] | None:
    """``"Aug 4 - 7"`` names the month first, ``"4 - 7 Aug"`` last."""
    if found := _DAY_ONLY.match(first):
        end = parse_day(second, reference)
        start = None if end is None else _start_before(int(found.group(1)), end)
    else:
        start = parse_day(first, reference)
        end = None if start is None else _resolve_end(second, start)
    return None if start is None or end is None else (start, end)


def _start_before(day: int, end: date) -> date | None:
    """The day-of-month ``day`` on or before ``end``: this month, else the month before."""
    if day <= end.day:
        return _make(end.year, end.month, day)
    year, month = (end.year - 1, 12) if end.month == 1 else (end.year, end.month - 1)
    return _make(year, month, day) if year >= 1 else None


def parse_day(text: str, reference: date) -> date | None:
    """One day, its year resolved against ``reference`` unless written: ``"Wednesday, June
    25"``, ``"25. Juni"``, ``"terça-feira, 5 de janeiro"``, ``"6月25日(水)"``, ``"Friday"``."""
    cleaned = _clean(text)
    if len(cleaned) > _MAX_TEXT:
        return None
    year = None
    if found := _YEAR.search(cleaned):
        year, cleaned = int(found.group(1)), cleaned[: found.start()]
    for candidate in _without_weekday(cleaned):
        month_day = _month_and_day(candidate)
        if month_day is not None:
            if year is None:
                return _nearest(month_day[0], month_day[1], reference)
            return _written_year(year, *month_day, reference)
    weekday = weekday_numbers().get(cleaned.rstrip("."))
    if weekday is not None and year is None:
        return _shift(reference, (weekday - reference.weekday()) % 7 or 7)
    return None


def _without_weekday(cleaned: str) -> list[str]:
    """``cleaned`` as it is, then without a leading or trailing weekday name."""
    candidates = [cleaned, _LEADING_WEEKDAY.sub("", cleaned)]
    words = cleaned.split()
    weekdays = weekday_numbers()
    if len(words) > 1 and words[0].rstrip(".,") in weekdays:
        candidates.append(" ".join(words[1:]))
    if len(words) > 1 and words[-1].rstrip(".,") in weekdays:
        candidates.append(" ".join(words[:-1]).rstrip(","))
    return candidates


def _written_year(year: int, month: int, day: int, reference: date) -> date | None:
    found = _make(year, month, day) if 1 <= year <= 9999 else None
    if found is None or abs((found - reference).days) > _MAX_DAYS:
        return None
    return found


def _shift(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _clean(text: str) -> str:
    return fold(text).replace("\u060c", ",").strip(" .!")


def _relative_day(cleaned: str, reference: date) -> date | None:
    """Today, Tomorrow, Amanhã, 明日...; a date in the same text wins ("Tomorrow, June 24")."""
    first = re.split(r"[\s,]", cleaned, maxsplit=1)[0]
    if first not in RELATIVE_DAYS:
        return None
    rest = cleaned[len(first) :].lstrip(" ,")
    explicit = parse_day(rest, reference) if rest else None
    return explicit or _shift(reference, RELATIVE_DAYS[first])


def _month_and_day(cleaned: str) -> tuple[int, int] | None:
    months = month_numbers()
    if found := _MONTH_FIRST.match(cleaned):
        month, day = months.get(found.group(1)), int(found.group(2))
    elif found := _DAY_FIRST.match(cleaned):
        month, day = months.get(found.group(2)), int(found.group(1))
    elif found := _JAPANESE.match(cleaned):
        month, day = int(found.group(1)), int(found.group(2))
    else:
        return None
    if month is None or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return month, day


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest(month: int, day: int, reference: date) -> date | None:
    candidates = [
        found
        for year in (reference.year - 1, reference.year, reference.year + 1)
        if 1 <= year <= 9999 and (found := _make(year, month, day)) is not None
    ]
    nearest = min(candidates, key=lambda candidate: abs((candidate - reference).days), default=None)
    if nearest is None or abs((nearest - reference).days) > _MAX_DAYS:
        return None
    return nearest


def _resolve_end(text: str, start: date) -> date | None:
    """The end of a range, never before its start: ``"7"`` after Aug 4, ``"Jan 2"`` after Dec 30."""
    cleaned = _clean(text)
    if found := _DAY_ONLY.match(cleaned):
        day = int(found.group(1))
        year, month = start.year, start.month
        if day < start.day:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = _make(year, month, day) if year <= 9999 else None
        return end if end is not None and end >= start else None
    month_day = next(
        (pair for text in _without_weekday(cleaned) if (pair := _month_and_day(text))), None
    )
    if month_day is None:
        return None
    for year in (start.year, start.year + 1):
        end = _make(year, *month_day) if year <= 9999 else None
        if end is not None and end >= start:
            return end if (end - start).days <= _MAX_DAYS else None
    return None
