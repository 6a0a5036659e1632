"""Errors of the JSON API: a stable code for programs and a message for people."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

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
        # Logged with its traceback; the client sees a stable code, never internals.
        log.exception("unhandled error in the API")
        return ApiError(500, "internal_error", "Something went wrong on our side.").response()
