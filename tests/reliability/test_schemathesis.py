"""schemathesis on `/api/openapi.json`, with a valid session token on every operation.

Every operation is exercised with data the schema allows (positive) and data it refuses
(negative); each answer goes through schemathesis' own checks: no 5xx, a status the document
lists, a body and a content type that match it, no request the schema allows refused, none
it refuses accepted. `SCHEMATHESIS_EXAMPLES` sizes the run per operation and mode (bench/
runs it much longer). Failures are collected for every operation, then reported together.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from app.extensions import db
from tests.integration.api.test_products import installed
from tests.integration.factories import make_observation, make_product
from tests.support import session_token

SHOP = "fuzz.myshopify.com"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))


def seed_shop() -> None:
    """An installed shop with a few linked products, so that some path ids exist."""
    shop = installed(SHOP)
    for _ in range(3):
        make_observation(make_product(shop))
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
        token = session_token(SHOP, now=time.time())
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

    run()


@pytest.mark.xfail(
    reason=(
        "known gap (issue 14, open): the routes issue 11 added after this test was written are "
        "looser in the OpenAPI document than on the server: /api/events answers 410 to a valid "
        "`after`, /api/products accepts q='' and picked=[] in the schema, /series `from` has "
        "no date-time pattern, and /api/shopify/variants answers 503 with no Shopify to call. "
        "Strict: this fails once they are fixed, so the marker comes off then."
    ),
    strict=True,
)
def test_every_operation_answers_as_documented(app: Flask) -> None:
    seed_shop()
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
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
