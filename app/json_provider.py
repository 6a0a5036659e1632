"""JSON answers encoded by orjson: the products list's 50 rows took a fifth of the web
worker's CPU in the standard library's encoder (py-spy, bench/realtime).

The output is what Flask's DefaultJSONProvider gives, value for value: keys sorted, compact,
dates as HTTP dates, Decimal and UUID as strings, dataclasses as objects. orjson writes
non-ASCII characters as UTF-8 rather than \\u escapes (the same JSON text once decoded), and
hands what it cannot encode (integers past 64 bits, which a bad id echoed in an error can
be) to the standard library's encoder.
Parsing stays with the standard library: request bodies are read exactly as before (its
error messages, its handling of huge numbers and NaN, which the bad-input tests pin down).
"""

from __future__ import annotations

import dataclasses
import decimal
import uuid
from datetime import date
from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.http import http_date

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(value: Any) -> Any:
    """What Flask's provider does with the types JSON lacks (flask/json/provider.py)."""
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode(value: Any) -> bytes:
    """`value` as compact JSON with sorted keys, as the API answers it."""
    return orjson.dumps(value, default=_default, option=_OPTIONS)


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson's encoder (see the module's docstring)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # an explicit indent or the like: the standard library's encoder
            return super().dumps(obj, **kwargs)
        try:
            return encode(obj).decode()
        except orjson.JSONEncodeError:  # an integer past 64 bits (a bad id echoed back)
            return super().dumps(obj)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        if self._app.debug:  # pretty-printed, as Flask does in debug mode
            return super().response(*args, **kwargs)
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj = (args[0] if len(args) == 1 else args) if args else (kwargs or None)
        try:
            body = orjson.dumps(obj, default=_default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except orjson.JSONEncodeError:  # an integer past 64 bits: the standard library's
            return super().response(*args, **kwargs)
        return Response(body, mimetype=self.mimetype)
