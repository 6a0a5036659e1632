from __future__ import annotations

import json
import logging

from app.observability.logging import ContextFilter, JsonFormatter, bind, bound, log_context


def format_record(message: str, exc: bool = False) -> dict[str, object]:
    record = logging.LogRecord("pricebridge.test", logging.WARNING, __file__, 1, message, (), None)
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_lines_are_json_with_the_bound_context() -> None:
    with bound(request_id="req-1", shop="a.myshopify.com"), bound(job_id="job-9"):
        line = format_record("hello %s")
    assert line["msg"] == "hello %s"
    assert line["level"] == "WARNING"
    assert line["logger"] == "pricebridge.test"
    assert line["request_id"] == "req-1"
    assert line["job_id"] == "job-9"
    assert line["shop"] == "a.myshopify.com"
    assert str(line["ts"]).endswith("+00:00")


def test_context_is_restored_after_the_block() -> None:
    with bound(job_id="inner"):
        assert log_context()["job_id"] == "inner"
    assert "job_id" not in log_context()
    line = format_record("outside")
    assert "job_id" not in line


def test_exceptions_are_included() -> None:
    line = format_record("failed", exc=True)
    assert "ValueError: boom" in str(line["exc"])


def test_bind_adds_fields_for_the_rest_of_the_context() -> None:
    with bound():
        bind(shop="b.myshopify.com", job_id=None)
        assert log_context() == {"shop": "b.myshopify.com"}
