"""One Admin GraphQL request: parse, validate, cost, throttle, execute, charge."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from simulators.shopify.graphql import errors as shaped
from simulators.shopify.graphql.bulk_update import bulk_update
from simulators.shopify.graphql.context import ExecContext, WithInfo
from simulators.shopify.graphql.cost import MAX_QUERY_COST, actual_cost, requested_cost
from simulators.shopify.graphql.faults import Faults
from simulators.shopify.graphql.inventory import set_quantities
from simulators.shopify.graphql.queries import query_root
from simulators.shopify.graphql.stats import Stats
from simulators.shopify.graphql.store import ShopState, Store
from simulators.shopify.graphql.throttle import Buckets
from simulators.shopify.graphql.variables import coerce_variables


@dataclass
class Outcome:
    """The HTTP answer, plus the products/update payloads to deliver once it is sent."""

    status: int
    body: dict[str, Any]
    product_updates: list[dict[str, Any]] = field(default_factory=list)


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    if isinstance(source, Mapping) and info.field_name in source:
        value = source[info.field_name]
        if isinstance(value, WithInfo):
            return value(info, **args)
        return value(**args) if callable(value) else value
    raise shaped.NotImplementedBySimulator(info.parent_type.name, info.field_name)


def _errors(*items: dict[str, Any]) -> Outcome:
    return Outcome(200, {"errors": list(items)})


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    raw_variables: dict[str, Any]


class Executor:
    def __init__(
        self,
        schema: GraphQLSchema,
        store: Store,
        buckets: Buckets,
        stats: Stats,
        faults: Faults,
        clock: Callable[[], datetime],
    ) -> None:
        self.schema = schema
        self.store = store
        self.buckets = buckets
        self.stats = stats
        self.faults = faults
        self.clock = clock

    def prepare(self, body: Mapping[str, Any]) -> Prepared | Outcome:
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            return Outcome(400, {"errors": {"query": "Required parameter missing or invalid"}})
        raw = body.get("variables") or {}
        if not isinstance(raw, dict):
            return Outcome(400, {"errors": {"variables": "must be a JSON object"}})
        try:
            document = parse(query)
        except GraphQLError as error:
            return _errors(shaped.syntax_error(error))
        problems = validate(self.schema, document)
        if problems:
            return _errors(*(shaped.validation_error(problem) for problem in problems))
        operation = get_operation_ast(document, body.get("operationName"))
        if operation is None:
            return _errors({"message": "An operation name is required"})
        variables, variable_errors = coerce_variables(self.schema, operation, raw)
        if variable_errors:
            return _errors(*variable_errors)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        return Prepared(document, operation, fragments, variables, raw)

    def run(self, shop: str, body: Mapping[str, Any]) -> Outcome:
        prepared = self.prepare(body)
        if isinstance(prepared, Outcome):
            self.stats.served(shop, self.clock(), 0)
            return prepared
        state = self.store.shop(shop)
        cost = requested_cost(
            self.schema, prepared.operation, prepared.fragments, prepared.variables
        )
        if cost > MAX_QUERY_COST:
            self.stats.max_cost_exceeded(shop)
            return _errors(shaped.max_cost_exceeded(cost, MAX_QUERY_COST))
        now = self.clock()
        bucket = self.buckets.for_shop(shop, state.restore_rate, now)
        if not bucket.try_spend(cost, now):
            self.stats.throttled(shop)
            body = {
                "errors": [shaped.throttled()],
                "extensions": {
                    "cost": {
                        "requestedQueryCost": cost,
                        "actualQueryCost": None,
                        "throttleStatus": bucket.status(now).to_json(),
                    }
                },
            }
            return Outcome(200, body)
        context = ExecContext(state=state, now=now, faults=self.faults)
        result = self._execute(state, prepared, context)
        spent = actual_cost(
            self.schema,
            prepared.operation,
            prepared.fragments,
            prepared.variables,
            result.data,
            cost,
        )
        bucket.refund(cost - spent, now)
        self.stats.served(shop, now, spent)
        answer: dict[str, Any] = {}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        answer["data"] = result.data
        answer["extensions"] = {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": spent,
                "throttleStatus": bucket.status(now).to_json(),
            }
        }
        return Outcome(200, answer, context.product_updates)

    def _execute(
        self, state: ShopState, prepared: Prepared, context: ExecContext
    ) -> ExecutionResult:
        if prepared.operation.operation is OperationType.MUTATION:
            root: dict[str, Any] = {
                "productVariantsBulkUpdate": WithInfo(partial(bulk_update, context)),
                "inventorySetQuantities": WithInfo(partial(set_quantities, context)),
            }
        else:
            root = query_root(state)
        with state.lock:  # one request at a time per shop keeps reads and writes consistent
            result = execute(
                self.schema,
                prepared.document,
                root_value=root,
                context_value=context,
                variable_values=prepared.raw_variables,
                operation_name=prepared.operation.name.value if prepared.operation.name else None,
                field_resolver=resolve_field,
            )
        assert isinstance(result, ExecutionResult)
        return result
