"""The Admin GraphQL client: reserve cost, send, settle, retry what may be retried.

``THROTTLED`` arrives with HTTP 200 and ``errors[].extensions.code``; it and 429/5xx/network
failures are retried with full-jitter backoff (after the throttle waits for the points). A 401
refreshes the access token once and retries once. Anything else is a typed ``ShopifyError``.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from app.observability import metrics
from app.shopify.graphql.documents import Document
from app.shopify.graphql.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyQueryError,
    ShopifyThrottled,
    ShopifyUnavailable,
)
from app.shopify.graphql.throttle import CostThrottle, ThrottleStatus

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TokenSource(Protocol):
    def __call__(self, *, refresh: bool) -> str:
        """The shop's access token; ``refresh=True`` after a 401 asks for a renewed one."""
        ...


@dataclass(frozen=True)
class Answer:
    """A successful answer: ``data`` and the cost Shopify charged."""

    data: dict[str, Any]
    requested_cost: float | None
    actual_cost: float | None
    status: ThrottleStatus | None


@dataclass
class CallStats:
    calls: int = 0
    throttled: int = 0
    retried: int = 0
    waited_seconds: float = 0.0


@dataclass
class AdminClient:
    """One shop's Admin GraphQL endpoint."""

    shop: str
    url: str
    token: TokenSource
    throttle: CostThrottle
    session: requests.Session = field(default_factory=requests.Session)
    max_attempts: int = 8
    timeout: tuple[float, float] = (5.0, 30.0)
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    stats: CallStats = field(default_factory=CallStats)
    learned_costs: dict[tuple[str, int], float] = field(default_factory=dict)

    def execute(self, doc: Document, variables: Mapping[str, Any]) -> Answer:
        """Run ``doc``; return its answer or raise a ``ShopifyError``."""
        refreshed = False
        outcome: Answer | str = "not sent"
        for attempt in range(1, self.max_attempts + 1):
            cost_key = (doc.name, _size(variables))
            cost = self.learned_costs.get(cost_key, float(doc.cost_hint))
            ticket = uuid.uuid4().hex
            self.stats.waited_seconds += self.throttle.reserve(cost, ticket=ticket)
            outcome = self._send(doc, variables, _Reserved(cost, ticket), refreshed)
            if isinstance(outcome, Answer):
                if outcome.requested_cost is not None:
                    self.learned_costs[cost_key] = outcome.requested_cost
                return outcome
            if outcome == "refresh":
                refreshed = True
                continue
            self.stats.retried += 1
            if attempt < self.max_attempts and outcome != "throttled":
                self.sleep(self._backoff(attempt))
        raise (ShopifyThrottled if outcome == "throttled" else ShopifyUnavailable)(
            self.shop, f"{doc.name} failed after {self.max_attempts} attempts ({outcome})"
        )

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _send(
        self, doc: Document, variables: Mapping[str, Any], held: _Reserved, refreshed: bool
    ) -> Answer | str:
        try:
            token = self.token(refresh=False)
        except ShopifyError:
            self._settle(held, 0.0, None)  # nothing was sent
            raise
        headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        body = {"query": doc.text, "variables": dict(variables), "operationName": doc.name}
        self.stats.calls += 1
        try:
            response = self.session.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            log.warning("shopify %s %s: network error %s", self.shop, doc.name, error)
            self._settle(held, None, None)
            return "network"
        if response.status_code == 401:
            self._settle(held, 0.0, None)
            if refreshed:
                raise ShopifyAuthError(self.shop, "access token refused after a refresh")
            self.token(refresh=True)
            return "refresh"
        if response.status_code in RETRY_STATUSES:
            self._settle(held, 0.0, None)
            if response.status_code == 429:
                self.stats.throttled += 1
                metrics.shopify_throttled(doc.name, "http_429")
                self.sleep(_retry_after(response))
            return f"http {response.status_code}"
        return self._answer(doc, response, held)

    def _settle(self, held: _Reserved, actual: float | None, status: ThrottleStatus | None) -> None:
        self.throttle.settle(held.cost, actual, status, ticket=held.ticket)

    def _answer(self, doc: Document, response: requests.Response, held: _Reserved) -> Answer | str:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code != 200 or not isinstance(payload, dict):
            self._settle(held, 0.0, None)
            raise ShopifyQueryError(
                self.shop, f"{doc.name}: HTTP {response.status_code}", detail=response.text[:2000]
            )
        extensions = payload.get("extensions") or {}
        cost_info = extensions.get("cost") or {}
        status = ThrottleStatus.from_json(cost_info.get("throttleStatus"))
        actual = cost_info.get("actualQueryCost")
        self._settle(held, float(actual or 0), status)
        if status is not None:
            metrics.shopify_answered(
                doc.name, float(actual or 0), status.currently_available, status.maximum_available
            )
        errors = payload.get("errors") or []
        if any(_code(e) == "THROTTLED" for e in errors):
            self.stats.throttled += 1
            metrics.shopify_throttled(doc.name, "graphql")
            return "throttled"
        if errors:
            raise ShopifyQueryError(self.shop, f"{doc.name}: {_messages(errors)}", detail=errors)
        requested = cost_info.get("requestedQueryCost")
        return Answer(
            payload.get("data") or {},
            None if requested is None else float(requested),
            None if actual is None else float(actual),
            status,
        )


@dataclass(frozen=True)
class _Reserved:
    """Points taken from the shared bucket for one attempt, under a ticket of its own."""

    cost: float
    ticket: str


def _code(error: object) -> str | None:
    if isinstance(error, dict):
        extensions = error.get("extensions")
        if isinstance(extensions, dict):
            code = extensions.get("code")
            return str(code) if code is not None else None
    return None


def _messages(errors: list[Any]) -> str:
    return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)


def _retry_after(response: requests.Response) -> float:
    try:
        return min(10.0, max(0.0, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _size(variables: Mapping[str, Any]) -> int:
    """Cost grows with list arguments (ids, variants); learn costs per list size."""
    return max((len(v) for v in variables.values() if isinstance(v, list)), default=0)


__all__ = ["AdminClient", "Answer", "CallStats", "ShopifyError", "TokenSource"]
