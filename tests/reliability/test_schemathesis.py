"""schemathesis on `/api/openapi.json`, with a valid session token on every operation.

Every operation is exercised with data the schema allows (positive) and data it refuses
(negative); each answer goes through schemathesis' own checks: no 5xx, a status the document
lists, a body and a content type that match it, no request the schema allows refused, none
it refuses accepted. `SCHEMATHESIS_EXAMPLES` sizes the run per operation and mode (bench/
runs it much longer). Failures are collected for every operation, then reported together.

The app talks to the live Admin GraphQL simulator (the shop and its variants seeded there), so
the routes that read Shopify answer as they would in production, not 503 for want of one.
"""

from __future__ import annotations

import os
import time
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.extensions import db
from tests.integration.conftest import (
    LiveShopify,
    linked_shop,
    pricing_app,  # noqa: F401  (fixture)
    shopify,  # noqa: F401  (fixture)
)
from tests.integration.factories import make_observation
from tests.support import session_token

SHOP = "fuzz.myshopify.com"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
# What an operation may answer to a request the schema allows because of the server's state,
# not the request's shape: (status, error code). schemathesis' own check accepts 2xx, 3xx,
# 401, 403, 404, 409, 429 and 5xx (5xx is failed by its own check); for these operations this
# one replaces it and accepts those, plus exactly these codes.
STATEFUL_REFUSALS: dict[str, set[tuple[int, str]]] = {
    # `after` past the stream's end (Redis lost its events) or before what it still holds:
    # the dashboard reloads (README, "Live events").
    "GET /api/events": {(410, "events_expired")},
    # Well-formed gids of a variant this shop's Shopify does not have, or of another product.
    "POST /api/products": {(422, "variant_not_found"), (422, "product_mismatch")},
    # The upload's shape is the schema's; whether its text is a CSV of links is the file's
    # content (app.ingest.link_csv), which no JSON schema states.
    "POST /api/products/imports": {
        (422, code)
        for code in (
            "empty_file",
            "not_csv",
            "invalid_encoding",
            "malformed_csv",
            "missing_columns",
            "duplicate_columns",
            "no_rows",
            "too_many_rows",
        )
    },
    # An import whose rows are not all good (or no longer are) is never committed, nor one
    # left uncommitted for a day (its file is gone).
    "POST /api/products/imports/{import_id}/commit": {
        (422, "import_invalid"),
        (410, "import_expired"),
    },
}
ACCEPTED = {401, 403, 404, 409, 429}


def stateful_acceptance(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A valid request is accepted, or refused for one of the operation's stateful reasons."""
    status = response.status_code
    if status < 400 or status >= 500 or status in ACCEPTED:
        return None
    body = response.json()
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    allowed = STATEFUL_REFUSALS[case.operation.label]
    assert (status, code) in allowed, f"a schema-valid request refused: {status} {body}"
    return None


def seed_shop(live: LiveShopify) -> None:
    """An installed shop with a few linked products, in the database and in Shopify, so that
    some path ids exist and the variant search has variants to find."""
    _, products = linked_shop(live, products=3, variants=2, domain=SHOP)
    for product in products:
        make_observation(product)
    db.session.commit()


def exercise(operation: Any, mode: GenerationMode, counter: list[int]) -> None:
    """Run schemathesis' checks on `EXAMPLES` cases of one operation in one mode."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        counter[0] += 1
        if mode is GenerationMode.POSITIVE and case.query:
            # A cursor is opaque: only the server's own are valid, and any other string is
            # rightly 422 `invalid_cursor` (tests/integration/api/test_bad_input.py).
            for name in ("cursor", "history_cursor"):
                case.query.pop(name, None)
        if mode is GenerationMode.POSITIVE and operation.label in STATEFUL_REFUSALS:
            case.call_and_validate(
                excluded_checks=[positive_data_acceptance],
                additional_checks=[stateful_acceptance],
            )
        else:
            case.call_and_validate()

    run()


def test_every_operation_answers_as_documented(
    pricing_app: Flask,  # noqa: F811  (fixture)
    shopify: LiveShopify,  # noqa: F811  (fixture)
) -> None:
    seed_shop(shopify)
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", pricing_app)

    # Through schemathesis' auth hook, not a header laid over each case: a negative case
    # whose only fault is a bad Authorization header would otherwise reach the server with
    # a good one and be "accepted". Session tokens live a minute: a fresh one per request.
    @api.auth(refresh_interval=None)
    class SessionToken:
        def get(self, case: schemathesis.Case, context: Any) -> str:
            return session_token(SHOP, now=time.time())

        def set(self, case: schemathesis.Case, token: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    failures: list[str] = []
    counter = [0]
    for result in api.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                exercise(operation, mode, counter)
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported below
                failures.append(f"{operation.label} [{mode.value}]: {failure}")
    print(f"\nschemathesis: {counter[0]} requests, {len(failures)} failing operation(s)")
    assert not failures, "\n\n".join(failures)
