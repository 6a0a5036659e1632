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
Search = list[list[Term]]  # alternatives (joined by OR), each a conjunction of terms
_COMPARATOR = re.compile(r"^(>=|<=|>|<)?(.*)$")
# A quoted phrase (backslash escapes inside), or a run of non-space characters that may hold
# a quoted value (title:"a b").
_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|(?:[^\s"]+(?:"(?:\\.|[^"\\])*")?)+')


def parse_search(query: str | None) -> Search:
    """Shopify search syntax, the subset the simulator serves: `field:value` terms joined
    by AND (or whitespace) or by OR, comparators on dates and numbers, free text on the title.

    shopify.dev "Shopify API search syntax": `Query = Term { [ whitespace Connective ]
    whitespace Term }`, `Connective = "AND" | "OR"`, AND implied between two terms. The grammar
    gives OR and AND no precedence over each other, so a query that mixes them without
    parentheses (and parentheses themselves) is refused rather than guessed at.
    """
    if not query:
        return [[]]
    alternatives: Search = [[]]
    connectives: set[str] = set()
    expecting_term = True
    for raw in _TOKEN.findall(query):
        if raw in ("AND", "OR"):
            if expecting_term:
                raise _unsupported(f"search connective {raw} without a term before it")
            connectives.add(raw)
            if raw == "OR":
                alternatives.append([])
            expecting_term = True
            continue
        if not expecting_term:
            connectives.add("AND")  # implied between two terms
        alternatives[-1].append(_term(raw))
        expecting_term = False
    if expecting_term and len(alternatives) > 1:
        raise _unsupported("search connective OR without a term after it")
    if connectives == {"AND", "OR"}:
        raise _unsupported("search queries mixing AND and OR")
    return alternatives


def _unsupported(what: str) -> TopLevelError:
    return TopLevelError(
        f"{what} is not supported by the simulator", "NOT_IMPLEMENTED_BY_SIMULATOR"
    )


def _term(raw: str) -> Term:
    if raw.startswith('"'):
        # A quoted phrase is free text, whatever it holds (operators, colons, quotes).
        phrase = re.sub(r"\\(.)", r"\1", raw[1:-1])
        return (None, "=", phrase.lower())
    if raw == "NOT" or raw.startswith(("-", "(")) or raw.endswith(")"):
        raise _unsupported(f"search operator or grouping {raw!r}")
    try:
        token = shlex.split(raw)[0] if raw.strip("'\"") else raw
    except ValueError:  # an apostrophe in an unquoted value (O'Neil) is part of the value
        token = raw
    field, sep, rest = token.partition(":")
    if not sep:
        return (None, "=", token.lower())
    match = _COMPARATOR.match(rest)
    assert match is not None
    return (field, match[1] or "=", match[2].strip("'\""))


def term_matches(actual: Any, comparator: str, wanted: str) -> bool:
    """Whether a field's value passes one term. ``:`` is "equality" (shopify.dev, "Shopify API
    search syntax", comparators), served as the whole value equal to the term's whatever the
    case, and a trailing ``*`` as a prefix query. The page does not say whether equality on a
    text field (a SKU, a title) compares the whole value or its words, nor whether case
    matters: the simulator takes the narrowest reading, and PriceBridge relies on neither (it
    keeps exact SKUs itself; tests/integration/shopify/graphql/test_variant_lookup.py answers it
    a looser search at the HTTP edge)."""
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
