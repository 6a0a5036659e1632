"""Log lines in Elastic Common Schema (ECS) JSON, carrying request id, job id, shop and event.

Formatting is Elastic's ``ecs-logging`` (``StdlibFormatter``): ``@timestamp``, ``log.level``,
``log.logger``, ``message``, ``ecs.version``, ``process``, ``error.*``. What PriceBridge adds
comes from the bound context (`bound`, `bind`), mapped to ECS names (ECS reference,
https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html):

    request_id -> http.request.id        job_id -> labels.job_id
    shop       -> labels.shop            event  -> event.action

A log call can also name its event: ``log.info("pushed", extra={"event": "price_change.pushed"})``.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import ecs_logging
from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-Id"
SERVICE_NAME = "pricebridge"
access_log = logging.getLogger("pricebridge.access")
# Context field -> ECS field. `labels.*` is ECS's place for keyword fields of one application.
ECS_FIELDS = {
    "request_id": "http.request.id",
    "job_id": "labels.job_id",
    "shop": "labels.shop",
    "event": "event.action",
}
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_context: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039


def log_context() -> dict[str, str]:
    return dict(_context.get())


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Add fields (request_id, job_id, shop, event) to every log record made inside the block."""
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
    """Copies the bound context onto the record under its ECS names."""

    def filter(self, record: logging.LogRecord) -> bool:
        explicit = record.__dict__.pop("event", None)
        for key, value in _context.get().items():
            setattr(record, ECS_FIELDS.get(key, f"labels.{key}"), value)
        if explicit is not None:
            setattr(record, ECS_FIELDS["event"], str(explicit))
        return True


class EcsFormatter(ecs_logging.StdlibFormatter):
    """ECS JSON with ``service.name`` set; the source file and line stay out of the line."""

    def __init__(self) -> None:
        super().__init__(
            extra={"service.name": SERVICE_NAME},
            exclude_fields=["log.original", "log.origin"],
        )


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
        handler.setFormatter(EcsFormatter())
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
        g.log_started = time.perf_counter()

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        request_id = _context.get().get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        _log_access(response, g.pop("log_started", None))
        return response

    @app.teardown_request
    def forget_request_context(_error: BaseException | None) -> None:
        # Threads serve many requests: one request's fields must not leak into the next.
        token = g.pop("log_context_token", None)
        if token is not None:
            _context.reset(token)


def _log_access(response: Response, started: float | None) -> None:
    """One ECS access line per request. The path only: a query string can carry a token."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "event": "http.request",
        "http.request.method": request.method,
        "url.path": request.path,
        "http.response.status_code": response.status_code,
    }
    if started is not None:
        fields["event.duration"] = int((time.perf_counter() - started) * 1e9)  # nanoseconds
    access_log.info("%s %s %s", request.method, request.path, response.status_code, extra=fields)
