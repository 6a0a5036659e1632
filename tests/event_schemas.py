"""Every event a test's real flows published must match its schema in the OpenAPI document.

`tests/conftest.py`'s `app` fixture calls `invalid_events` after each test, over every shop's
stream in the session's Redis database (events as /ws sends them); a test that publishes
made-up events to exercise the transport is marked `synthetic_events` and skipped.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker
from redis import Redis

from app.api.openapi import build_document


@functools.cache
def _validator(app: Flask) -> Draft202012Validator:
    schema = build_document(app)["components"]["schemas"]["WsServerMessage"]
    return Draft202012Validator(schema, format_checker=FormatChecker())


def invalid_events(app: Flask, redis: Redis) -> list[str]:
    """A line per published event that its schema refuses (none: all are as documented)."""
    validator = _validator(app)
    problems = []
    for key in redis.scan_iter(match="pricebridge:shop:*:stream", count=1000):
        for _id, fields in redis.xrange(key):
            event: dict[str, Any] = json.loads(fields[b"event"])
            errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
            if errors:
                best = min(errors, key=lambda e: len(list(e.absolute_path)))
                problems.append(f"{event.get('type')} event {event}: {best.message}")
    return problems
