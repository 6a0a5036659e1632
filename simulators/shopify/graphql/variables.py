"""Variable coercion answered the way graphql-ruby (Shopify) words its problems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInputType,
    GraphQLSchema,
    OperationDefinitionNode,
    coerce_input_value,
    is_non_null_type,
    print_ast,
    type_from_ast,
    value_from_ast,
)

from simulators.shopify.graphql.errors import variable_error

NOT_NULL = "Expected value to not be null"


def _explanation(error: GraphQLError) -> str:
    text = error.message
    if "was not provided" in text or "found null" in text:
        return NOT_NULL
    return text


def coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Coerced variable values, or Shopify-shaped errors for the ones that do not fit."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for definition in operation.variable_definitions:
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        type_name = print_ast(definition.type)
        assert var_type is not None  # validation already rejected unknown types
        input_type: GraphQLInputType = var_type  # type: ignore[assignment]
        if name not in raw or raw[name] is None:
            if name not in raw and definition.default_value is not None:
                values[name] = value_from_ast(definition.default_value, input_type)
            elif is_non_null_type(input_type):
                problem = {"path": [], "explanation": NOT_NULL}
                errors.append(variable_error(name, type_name, None, [problem]))
            elif name in raw:
                values[name] = None
            continue
        problems: list[dict[str, Any]] = []

        def on_error(path: list[str | int], _invalid: Any, error: GraphQLError) -> None:
            problems.append({"path": list(path), "explanation": _explanation(error)})  # noqa: B023

        coerced = coerce_input_value(raw[name], input_type, on_error)
        if problems:
            errors.append(variable_error(name, type_name, raw[name], problems))
        else:
            values[name] = coerced
    return values, errors
