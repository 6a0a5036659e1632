"""Global ids, Relay connections with Shopify's cursors, and a small search-syntax filter."""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from simulators.shopify.graphql.cost import MAX_PAGE_SIZE
from simulators.shopify.graphql.errors import TopLevelError

T = TypeVar("T")
_GID = re.compile(r"^gid://shopify/(\w+)/(\d+)(?:\?.*)?$")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: Any, kind: str) -> int | None:
    """The numeric id in `gid://shopify/<kind>/<n>`, or None when it names something else."""
    match = _GID.match(value) if isinstance(value, str) else None
    if match is None or match[1] != kind:
        return None
    return int(match[2])


def check_gid(value: str) -> None:
    if not _GID.match(value):
        raise TopLevelError(f"Invalid global id '{value}'", "argumentLiteralsIncompatible")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount.quantize(Decimal("0.01")))


def _cursor(number: int) -> str:
    raw = json.dumps({"last_id": number, "last_value": str(number)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_id(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["last_id"])
    except (ValueError, KeyError, TypeError) as error:
        raise TopLevelError("Invalid cursor for current pagination sort.", "BAD_REQUEST") from error


def connection(
    items: Sequence[T],
    key: Callable[[T], int],
    view: Callable[[T], dict[str, Any]],
    args: dict[str, Any],
) -> dict[str, Any]:
    """A page of `items` (already in sort order) for first/after/last/before/reverse."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise TopLevelError("you must provide one of first or last", "BAD_REQUEST")
    ordered = list(reversed(items)) if args.get("reverse") else list(items)
    positions = {key(item): index for index, item in enumerate(ordered)}
    start, stop = 0, len(ordered)
    if args.get("after") is not None:
        start = positions.get(_cursor_id(args["after"]), -1) + 1
    if args.get("before") is not None:
        stop = positions.get(_cursor_id(args["before"]), stop)
    window = ordered[start:stop]
    if first is not None:
        window_page = window[: min(first, MAX_PAGE_SIZE)]
        has_next, has_previous = len(window) > len(window_page), start > 0
    else:
        size = min(last or 0, MAX_PAGE_SIZE)
        window_page = window[-size:] if size else []
        has_next, has_previous = stop < len(ordered), len(window) > len(window_page)
    edges = [{"cursor": _cursor(key(item)), "node": view(item)} for item in window_page]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


Term = tuple[str | None, str, str]  # field (None: free text), comparator, value
_COMPARATOR = re.compile(r"^(>=|<=|>|<)?(.*)$")
# A quoted phrase (backslash escapes inside), or a run of non-space characters that may hold
# a quoted value (title:"a b").
_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|(?:[^\s"]+(?:"(?:\\.|[^"\\])*")?)+')


def parse_search(query: str | None) -> list[Term]:
    """Shopify search syntax, the subset the simulator serves: `field:value` terms joined
    by AND (or whitespace), comparators on dates and numbers, free text on the title."""
    if not query:
        return []
    terms: list[Term] = []
    for raw in _TOKEN.findall(query):
        if raw.startswith('"'):
            # A quoted phrase is free text, whatever it holds (operators, colons, quotes).
            phrase = re.sub(r"\\(.)", r"\1", raw[1:-1])
            terms.append((None, "=", phrase.lower()))
            continue
        token = shlex.split(raw)[0] if raw.strip("'\"") else raw
        if token == "AND":
            continue
        if token in ("OR", "NOT") or token.startswith("-"):
            raise TopLevelError(
                f"search operator {token!r} is not supported by the simulator",
                "NOT_IMPLEMENTED_BY_SIMULATOR",
            )
        field, sep, rest = token.partition(":")
        if not sep:
            terms.append((None, "=", token.lower()))
            continue
        match = _COMPARATOR.match(rest)
        assert match is not None
        terms.append((field, match[1] or "=", match[2].strip("'\"")))
    return terms


def term_matches(actual: Any, comparator: str, wanted: str) -> bool:
    if comparator == "=":
        text = str(actual).lower()
        return text == wanted.lower() or (
            wanted.endswith("*") and text.startswith(wanted[:-1].lower())
        )
    left, right = _comparable(actual, wanted)
    outcomes: dict[str, bool] = {
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }
    return outcomes[comparator]


def _comparable(actual: Any, wanted: str) -> tuple[Any, Any]:
    if isinstance(actual, datetime):
        moment = datetime.fromisoformat(wanted.replace("Z", "+00:00"))
        return actual, moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return Decimal(str(actual)), Decimal(wanted)
