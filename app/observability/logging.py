"""JSON log lines that carry the request id, the job id and the shop of whatever is running."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_context: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039


def log_context() -> dict[str, str]:
    return dict(_context.get())


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Add fields (request_id, job_id, shop) to every log record made inside the block."""
    merged = {**_context.get(), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: str | None) -> None:
    """Add fields for the rest of the current context (a request or a job)."""
    _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "job_id", "shop")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in self.FIELDS:
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(level: str, fmt: str) -> None:
    """Idempotent: replaces the root handler PriceBridge installed before, if any."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "pricebridge", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.pricebridge = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        g.log_context_token = _context.set({"request_id": request_id})

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        request_id = _context.get().get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    @app.teardown_request
    def forget_request_context(_error: BaseException | None) -> None:
        # Threads serve many requests: one request's fields must not leak into the next.
        token = g.pop("log_context_token", None)
        if token is not None:
            _context.reset(token)
