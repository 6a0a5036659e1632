"""What a resolver needs besides its arguments: the shop, the time, armed faults, pending hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import GraphQLResolveInfo

from simulators.shopify.graphql.faults import Faults
from simulators.shopify.graphql.store import ShopState


@dataclass
class ExecContext:
    state: ShopState
    now: datetime
    faults: Faults
    product_updates: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class WithInfo:
    """A field whose resolver needs the GraphQL `info` (directives, raw arguments)."""

    resolve: Callable[..., Any]

    def __call__(self, info: GraphQLResolveInfo, **args: Any) -> Any:
        return self.resolve(info, **args)


def user_error(field: list[str], message: str, code: str) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}
