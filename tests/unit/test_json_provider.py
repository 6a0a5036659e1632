"""The orjson provider answers what Flask's default provider answers, value for value."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from app.json_provider import OrjsonProvider


@dataclass
class Point:
    at: str
    price: Decimal


VALUES = [
    {"b": 1, "a": [1.5, None, True], "é": "prix ¥100 — ok"},
    {"price": Decimal("19.99"), "id": uuid.UUID(int=7), "day": date(2026, 11, 30)},
    {"at": datetime(2026, 11, 30, 12, 0, tzinfo=UTC)},
    {3: "int keys", 1: "sorted as numbers by both"},
    {"point": Point("now", Decimal("1.00"))},
    {"echoed": 2**64, "nested": {"z": 1, "y": 2}},  # past orjson's 64 bits
    [1, "two", None],
]


@pytest.mark.parametrize("value", VALUES)
def test_the_same_json_as_flask_would_answer(value: object) -> None:
    app = Flask(__name__)
    ours, flasks = OrjsonProvider(app), DefaultJSONProvider(app)
    assert json.loads(ours.dumps(value)) == json.loads(flasks.dumps(value))
    with app.app_context():
        response = ours.response(value)
        assert response.mimetype == "application/json"
        assert json.loads(response.get_data()) == json.loads(flasks.response(value).get_data())
    assert list(json.loads(ours.dumps({"b": 1, "a": 2}))) == ["a", "b"]  # keys sorted


def test_what_json_cannot_hold_is_refused_as_flask_refuses_it() -> None:
    with pytest.raises(TypeError):
        OrjsonProvider(Flask(__name__)).dumps({"x": object()})
