"""Shopify's calculated query cost: the requested (static) cost and the actual (response) cost.

Rules (shopify.dev "GraphQL Admin API rate limits", and the graphql-ruby `ShopifyComplexity`
analyzer that reproduces Shopify's numbers, e.g. `product(id:) { variants(first: 250) { nodes
{ inventoryItem { id tracked } } } }` = 25): scalars and enums 0; objects, interfaces and unions
1 plus their selections (an abstract selection costs its most expensive branch); `pageInfo` 0;
a connection 2 + floor(2 ln max(2, min(first|last, 250))) x its selections (Shopify scales
connections logarithmically); a root `Count` field 10; every mutation field a flat 10.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    value_from_ast,
)
from graphql.execution.values import get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

MAX_QUERY_COST = 1000
MUTATION_COST = 10
ROOT_COUNT_COST = 10
MAX_PAGE_SIZE = 250

Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


def connection_multiplier(size: int) -> int:
    """How many times a connection's selections are charged for a page of `size`."""
    size = min(size, MAX_PAGE_SIZE)
    if size <= 0:
        return 0
    return math.floor(2 * math.log(max(2, size)))


def is_connection(named: GraphQLNamedType) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "pageInfo" in named.fields
    )


@dataclass(frozen=True)
class QueryCost:
    requested: int
    is_mutation: bool


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables)

    def fields(
        self, parent: Composite, selection_set: SelectionSetNode | None
    ) -> Iterator[tuple[Composite, FieldNode]]:
        """Flatten fragments: each selected field with the type it was selected on."""
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                yield parent, selection
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self._type(condition.name.value) if condition else parent
                yield from self.fields(on, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                yield from self.fields(
                    self._type(fragment.type_condition.name.value), fragment.selection_set
                )

    def _type(self, name: str) -> Composite:
        named = self.schema.get_type(name)
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        return named

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def page_size(self, parent: Composite, node: FieldNode) -> int:
        field_def = _field_def(parent, node)
        size = 1  # graphql-ruby's sizing when neither first nor last is given
        for argument in node.arguments:
            if argument.name.value in ("first", "last"):
                arg_type = field_def.args[argument.name.value].type
                value = value_from_ast(argument.value, arg_type, self.variables)
                if isinstance(value, int):
                    size = max(size, value)
        return size

    def selections_cost(self, parent: Composite, selection_set: SelectionSetNode | None) -> int:
        """Sum the selections; for abstract parents take the dearest concrete branch."""
        shared: dict[str, int] = {}
        branches: dict[str, dict[str, int]] = {}
        for on, node in self.fields(parent, selection_set):
            key = (node.alias or node.name).value
            cost = self.field_cost(on, node)
            bucket = shared if on is parent else branches.setdefault(on.name, {})
            bucket[key] = max(bucket.get(key, 0), cost)
        extra = max((sum(branch.values()) for branch in branches.values()), default=0)
        return sum(shared.values()) + extra

    def field_cost(self, parent: Composite, node: FieldNode) -> int:
        if node.name.value.startswith("__"):
            return 0
        named = get_named_type(_field_def(parent, node).type)
        if parent is self.schema.mutation_type:
            return MUTATION_COST
        if node.name.value == "pageInfo":
            return 0
        if parent is self.schema.query_type and named.name == "Count":
            return ROOT_COUNT_COST
        if is_connection(named):
            assert isinstance(named, GraphQLObjectType)
            children = self.selections_cost(named, node.selection_set)
            return 2 + connection_multiplier(self.page_size(parent, node)) * children
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            return 1 + self.selections_cost(named, node.selection_set)
        return 0

    def actual_selections(
        self, parent: Composite, selection_set: SelectionSetNode | None, data: Any
    ) -> int:
        if not isinstance(data, Mapping):
            return 0
        costs: dict[str, int] = {}
        for on, node in self.fields(parent, selection_set):
            key = (node.alias or node.name).value
            if key in data and key not in costs:
                costs[key] = self.actual_field(on, node, data[key])
        return sum(costs.values())

    def actual_field(self, parent: Composite, node: FieldNode, value: Any) -> int:
        if node.name.value.startswith("__"):
            return 0
        named = get_named_type(_field_def(parent, node).type)
        if parent is self.schema.mutation_type:
            return MUTATION_COST
        if node.name.value == "pageInfo":
            return 0
        if parent is self.schema.query_type and named.name == "Count":
            return ROOT_COUNT_COST
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            return 0
        if is_connection(named) and isinstance(value, Mapping):
            items = value.get("edges") or value.get("nodes") or []
            children = self.actual_selections(named, node.selection_set, value)
            return 2 + connection_multiplier(len(items)) * children
        if isinstance(value, list):
            # a list is charged once, like the static cost: its dearest element
            return max((self.actual_field(parent, node, item) for item in value), default=0)
        if value is None:
            return 1
        return 1 + self.actual_selections(named, node.selection_set, value)


def _field_def(parent: Composite, node: FieldNode) -> Any:
    if isinstance(parent, GraphQLUnionType):
        raise ValueError(f"field {node.name.value!r} selected directly on union {parent.name}")
    return parent.fields[node.name.value]


def _root(schema: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLObjectType:
    root = (
        schema.mutation_type if operation.operation is OperationType.MUTATION else schema.query_type
    )
    if root is None:
        raise ValueError(f"schema has no root type for {operation.operation.value}")
    return root


def requested_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """The static cost Shopify charges up front, before executing `operation`."""
    walker = _Walker(schema, fragments, variables)
    return walker.selections_cost(_root(schema, operation), operation.selection_set)


def actual_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    data: Mapping[str, Any] | None,
    requested: int,
) -> int:
    """The cost of what was returned, never above the requested cost (the rest is refunded)."""
    if data is None:
        return 0
    walker = _Walker(schema, fragments, variables)
    spent = walker.actual_selections(_root(schema, operation), operation.selection_set, data)
    return min(spent, requested)
