"""Errors of the JSON API: a stable code for programs and a message for people."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, jsonify
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.outage import RETRY_AFTER_SECONDS, dependency_of

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def response(self) -> Response:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        response = jsonify(error=body)
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def http_error_response(error: HTTPException) -> Response:
    code = (error.name or "error").lower().replace(" ", "_")
    response = ApiError(error.code or 500, code, error.description or code).response()
    valid_methods = getattr(error, "valid_methods", None)
    if error.code == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def register_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error.response()

    bp.register_error_handler(HTTPException, http_error_response)

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if dependency_of(error) is not None:
            return outage_response(error)
        # Logged with its traceback; the client sees a stable code, never internals.
        log.exception("unhandled error in the API")
        return ApiError(500, "internal_error", "Something went wrong on our side.").response()


def unavailable(dependency: str) -> ApiError:
    """503 `service_unavailable` naming the dependency, with `Retry-After` in seconds."""
    return ApiError(
        503,
        "service_unavailable",
        "A service PriceBridge depends on is unavailable; try again shortly.",
        {"dependency": dependency},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def outage_response(error: Exception) -> Response:
    """The 503 for an error that means PostgreSQL or Redis is unreachable.

    Every route answers it, webhooks included: Shopify retries a delivery that gets no 2xx, and
    the recorded row (if the commit got through) de-duplicates the retry.
    """
    dependency = dependency_of(error)
    if dependency is None:
        raise error
    log.warning("answered 503: %s unavailable (%s: %s)", dependency, type(error).__name__, error)
    return unavailable(dependency).response()


def register_outage_handlers(app: Flask) -> None:
    """App-wide: an unreachable dependency answers 503, on every blueprint and route.

    Flask looks handlers up by exception class first, so these win over a blueprint's
    catch-all `Exception` handler. Only classes that always mean an outage are registered; a
    constraint violation or a bad query keeps its usual 500 handling.
    """
    for kind in (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError):
        app.register_error_handler(kind, outage_response)
    app.register_error_handler(RedisTimeoutError, outage_response)
