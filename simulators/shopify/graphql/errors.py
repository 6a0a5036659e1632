"""Top-level GraphQL errors in the shape Shopify (graphql-ruby) answers them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

THROTTLE_DOCS = "https://shopify.dev/api/usage/limits#rate-limits"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"

Rewrite = Callable[[re.Match[str]], tuple[str, dict[str, Any]]]

# graphql-core's validation messages -> graphql-ruby's message and extensions.
_REWRITES: list[tuple[re.Pattern[str], Rewrite]] = [
    (
        re.compile(r"Cannot query field '(\w+)' on type '(\w+)'"),
        lambda m: (
            f"Field '{m[1]}' doesn't exist on type '{m[2]}'",
            {"code": "undefinedField", "typeName": m[2], "fieldName": m[1]},
        ),
    ),
    (
        re.compile(r"Unknown argument '(\w+)' on field '\w+\.(\w+)'"),
        lambda m: (
            f"Field '{m[2]}' doesn't accept argument '{m[1]}'",
            {
                "code": "argumentNotAccepted",
                "name": m[2],
                "typeName": "Field",
                "argumentName": m[1],
            },
        ),
    ),
    (
        re.compile(r"Field '(\w+)' argument '(\w+)' of type '[^']+' is required"),
        lambda m: (
            f"Field '{m[1]}' is missing required arguments: {m[2]}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m[1],
                "arguments": m[2],
            },
        ),
    ),
    (
        re.compile(r"Variable '\$(\w+)' is not defined(?: by operation '(\w+)')?"),
        lambda m: (
            f"Variable ${m[1]} is used by {m[2] or 'anonymous query'} but not declared",
            {"code": "variableNotDefined", "variableName": m[1]},
        ),
    ),
    (
        re.compile(r"Variable '\$(\w+)' is never used(?: in operation '(\w+)')?"),
        lambda m: (
            f"Variable ${m[1]} is declared by {m[2] or 'anonymous query'} but not used",
            {"code": "variableNotUsed", "variableName": m[1]},
        ),
    ),
    (
        re.compile(r"Field '(\w+)' of type '([^']+)' must have a selection of subfields"),
        lambda m: (
            f"Field must have selections (field '{m[1]}' returns {m[2].strip('[]!')} but has"
            f" no selections. Did you mean '{m[1]} {{ ... }}'?)",
            {"code": "selectionMismatch", "nodeName": f"field '{m[1]}'", "typeName": m[2]},
        ),
    ),
]


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or []]


def validation_error(error: GraphQLError) -> dict[str, Any]:
    """A validation error as Shopify words it where we know the wording, else graphql-core's."""
    for pattern, rewrite in _REWRITES:
        match = pattern.search(error.message)
        if match:
            message, extensions = rewrite(match)
            return {"message": message, "locations": _locations(error), "extensions": extensions}
    return {
        "message": error.message,
        "locations": _locations(error),
        "extensions": {"code": "validationFailed"},
    }


def syntax_error(error: GraphQLError) -> dict[str, Any]:
    return {"message": error.message, "locations": _locations(error)}


def variable_error(
    name: str, type_name: str, value: Any, problems: list[dict[str, Any]]
) -> dict[str, Any]:
    """graphql-ruby's answer to a variable that does not coerce to its declared type."""
    detail = ""
    if problems and problems[0]["path"]:
        path = ".".join(str(part) for part in problems[0]["path"])
        detail = f" for {path} ({problems[0]['explanation']})"
    return {
        "message": f"Variable ${name} of type {type_name} was provided invalid value{detail}",
        "extensions": {"value": value, "problems": problems},
    }


def throttled() -> dict[str, Any]:
    return {
        "message": "Throttled",
        "extensions": {"code": "THROTTLED", "documentation": THROTTLE_DOCS},
    }


def max_cost_exceeded(cost: int, max_cost: int) -> dict[str, Any]:
    return {
        "message": (
            f"Query cost is {cost}, which exceeds the single query max cost limit ({max_cost}).\n\n"
            "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how"
            " the\ncost of a query is calculated.\n\n"
            "To query larger amounts of data with fewer limits, bulk operations should be used"
            " instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api"
            " for usage details.\n"
        ),
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": cost,
            "maxCost": max_cost,
            "documentation": THROTTLE_DOCS,
        },
    }


class TopLevelError(GraphQLError):
    """Raised by a resolver for an error Shopify answers in `errors` with a code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


class NotImplementedBySimulator(GraphQLError):
    """A valid field the simulator does not serve: an error, never a made-up value."""

    def __init__(self, type_name: str, field_name: str) -> None:
        super().__init__(
            f"Field '{field_name}' on type '{type_name}' is not implemented by the Shopify"
            " simulator",
            extensions={"code": "NOT_IMPLEMENTED_BY_SIMULATOR"},
        )
