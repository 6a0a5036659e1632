from __future__ import annotations

import json
import logging
import sys

from app.observability.logging import ContextFilter, EcsFormatter, bind, bound, log_context


def format_record(message: str, exc: bool = False, **extra: object) -> dict[str, object]:
    record = logging.LogRecord("pricebridge.test", logging.WARNING, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            record.exc_info = sys.exc_info()
    ContextFilter().filter(record)
    return json.loads(EcsFormatter().format(record))


def test_lines_are_ecs_json_with_the_bound_context() -> None:
    with bound(request_id="req-1", shop="a.myshopify.com"), bound(job_id="job-9"):
        line = format_record("hello %s")
    assert line["message"] == "hello %s"
    assert line["log.level"] == "warning"
    assert line["log"] == {"logger": "pricebridge.test"}
    assert line["http"] == {"request": {"id": "req-1"}}
    assert line["labels"] == {"job_id": "job-9", "shop": "a.myshopify.com"}
    assert line["service"] == {"name": "pricebridge"}
    assert str(line["@timestamp"]).endswith("Z")
    assert "ecs.version" in line


def test_the_event_comes_from_the_context_or_the_call() -> None:
    with bound(event="ingest.tick"):
        assert format_record("tick")["event"] == {"action": "ingest.tick"}
        line = format_record("pushed", event="price_change.pushed")
    assert line["event"] == {"action": "price_change.pushed"}


def test_context_is_restored_after_the_block() -> None:
    with bound(job_id="inner"):
        assert log_context()["job_id"] == "inner"
    assert "job_id" not in log_context()
    line = format_record("outside")
    assert "labels" not in line


def test_exceptions_are_included_as_ecs_error_fields() -> None:
    line = format_record("failed", exc=True)
    error = line["error"]
    assert isinstance(error, dict)
    assert error["type"] == "ValueError"
    assert error["message"] == "boom"
    assert "raise ValueError" in str(error["stack_trace"])


def test_bind_adds_fields_for_the_rest_of_the_context() -> None:
    with bound():
        bind(shop="b.myshopify.com", job_id=None)
        assert log_context() == {"shop": "b.myshopify.com"}
