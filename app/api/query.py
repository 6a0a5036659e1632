"""Query strings of list routes: known parameters only, bounded numbers, opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from flask import request
from werkzeug.routing import IntegerConverter

from app.api.errors import ApiError

MAX_LIMIT = 100
BIGINT_MAX = 2**63 - 1
# ASCII digits only: str.isdigit() accepts "²" and "٣", which int() refuses or reads as 3.
_WHOLE_NUMBER: Final = re.compile(r"[0-9]{1,19}")


def at_most_regex(limit: int) -> str:
    """A regular expression matching the decimal numbers 0..`limit` (no sign; leading zeros
    only within `limit`'s digit count), so that a larger number fails to match at all."""
    digits = str(limit)
    alternatives = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for index, digit in enumerate(digits):
        low = "1" if index == 0 and len(digits) > 1 else "0"
        if digit > low:
            rest = len(digits) - index - 1
            tail = rf"\d{{{rest}}}" if rest else ""
            alternatives.append(f"{digits[:index]}[{low}-{chr(ord(digit) - 1)}]{tail}")
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: 0..2^63-1, PostgreSQL's BIGINT. A path id past it matches no
    route (404) instead of reaching the database ("bigint out of range", a 500). The bound is
    in the regular expression, not only in `max`: werkzeug checks the method before it
    converts, so a `max` alone would answer 405 where another method's rule shares the path."""

    regex = at_most_regex(BIGINT_MAX)

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(url_map, *args, **kwargs)


def query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI query parameter (optional)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


LIMIT_PARAMETER = query_parameter(
    "limit", f"page size, 1..{MAX_LIMIT}", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}
)
CURSOR_PARAMETER = query_parameter(
    "cursor", "opaque cursor from the previous page", {"type": "string"}
)


def query_args(allowed: Iterable[str]) -> dict[str, str]:
    """The request's query parameters, refusing any this route does not know (422)."""
    known = set(allowed)
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise ApiError(
            422,
            "unknown_parameters",
            f"Unknown parameter(s): {', '.join(unknown)}.",
            {"unknown": unknown, "allowed": sorted(known)},
        )
    return {name: request.args[name] for name in known if name in request.args}


def whole_number(name: str, raw: str, low: int, high: int) -> int:
    """`raw` as an int in low..high: ASCII digits only, else 422 `invalid_{name}`."""
    if _WHOLE_NUMBER.fullmatch(raw) is None or not low <= int(raw) <= high:
        raise ApiError(
            422, f"invalid_{name}", f"{name} must be a whole number from {low} to {high}."
        )
    return int(raw)


def _timestamp_pattern() -> str:
    """RFC 3339 date-times that `datetime.fromisoformat` reads, years 1970..9999, as one regular
    expression a JSON Schema can carry: real calendar days only (30 April, 29 February in leap
    years), hours 00-23, no leap second, a fraction of 1 to 6 digits, `Z` or an offset."""
    year = r"(?:19[7-9][0-9]|[2-9][0-9]{3})"
    # Leap years from 1972: multiples of 4 that are not centuries, and centuries of 400.
    leap = (
        r"(?:19(?:7[26]|8[048]|9[26])|[2-9][0-9](?:0[48]|[2468][048]|[13579][26])"
        r"|(?:[2468][048]|[3579][26])00)"
    )
    day = (
        r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
        r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    )
    time = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    offset = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
    return rf"^(?:{year}-{day}|{leap}-02-29){time}{offset}$"


#: The `pattern` of every time in a query string; `timestamp` reads exactly these.
TIMESTAMP_PATTERN: Final = _timestamp_pattern()
_TIMESTAMP: Final = re.compile(TIMESTAMP_PATTERN)


def timestamp(name: str, raw: str) -> datetime:
    """`raw` as an aware datetime: what `TIMESTAMP_PATTERN` matches (as JSON Schema validators
    written in Python match it, `re.search`), else 422 `invalid_{name}`."""
    if _TIMESTAMP.search(raw) is None:
        raise ApiError(
            422,
            f"invalid_{name}",
            f"{name} is an RFC 3339 time from 1970 with Z or an offset, "
            "such as 2026-11-29T12:00:00Z.",
        )
    # `$` also matches before one final newline; the time itself is what precedes it.
    return datetime.fromisoformat(raw.removesuffix("\n"))


def page_limit(raw: str | None, default: int) -> int:
    return default if raw is None else whole_number("limit", raw, 1, MAX_LIMIT)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(raw: str, shape: tuple[type, ...]) -> list[Any]:
    """The values a cursor from `encode_cursor` holds, checked against `shape` (422 if not).

    `shape` names each item's type: `int` (0..2^63-1, a row id), `str`, or `datetime` (an ISO
    8601 string with a UTC offset, returned as an aware UTC datetime). Anything else, JSON
    nested past the parser's recursion limit included, is 422 `invalid_cursor`.
    """
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, RecursionError, binascii.Error):
        value = None
    if not isinstance(value, list) or len(value) != len(shape):
        raise _invalid_cursor()
    return [_cursor_item(item, kind) for item, kind in zip(value, shape, strict=True)]


def _cursor_item(item: object, kind: type) -> Any:
    if kind is int:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= BIGINT_MAX:
            return item
    elif kind is datetime:
        if isinstance(item, str):
            return _aware_utc(item)
    elif isinstance(item, kind):
        return item
    raise _invalid_cursor()


def _aware_utc(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("no UTC offset")
        # Year 1 at +14:00 is year 0 in UTC, which datetime cannot hold (OverflowError).
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid_cursor() from None


def _invalid_cursor() -> ApiError:
    return ApiError(422, "invalid_cursor", "The cursor is not one this API gave out.")
