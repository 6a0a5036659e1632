"""Which Amazon texts no rule understood, from a real result (tests/fixtures/oxylabs)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from app.ingest.normalize import normalize_result
from app.ingest.unrecognised import unrecognised_texts
from tests.support import load_fixture

ASIN = "B0CYVN8CCQ"
RECEIVED = datetime(2025, 6, 23, 18, 0, tzinfo=UTC)


def real_result() -> dict[str, Any]:
    result: dict[str, Any] = load_fixture(
        "oxylabs/real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json"
    )["results"][0]
    return copy.deepcopy(result)


def texts(result: dict[str, Any]) -> tuple[str, ...]:
    reading = normalize_result(result, asked_asin=ASIN, marketplace="com", received_at=RECEIVED)
    return unrecognised_texts(reading, result)


def every_stock_text(result: dict[str, Any], value: str) -> None:
    result["content"]["stock"] = value
    for row in result["content"].get("buybox") or []:
        if row.get("stock") is not None:
            row["stock"] = value


def every_delivery_date(result: dict[str, Any], value: object) -> None:
    for entry in result["content"]["delivery"]:
        entry["date"] = value
    for row in result["content"].get("buybox") or []:
        for entry in row.get("delivery_details") or []:
            entry["date"] = value


def test_a_result_read_in_full_has_nothing_unrecognised() -> None:
    assert texts(real_result()) == ()


def test_a_stock_sentence_no_rule_knows_is_counted() -> None:
    result = real_result()
    every_stock_text(result, "Dispatched by carrier pigeon at dawn")
    assert texts(result) == ("stock",)


def test_a_delivery_promise_no_parser_reads_is_counted() -> None:
    result = real_result()
    every_delivery_date(result, {"by": "when the moon is full"})
    assert texts(result) == ("delivery",)


def test_an_absent_text_is_not_an_unrecognised_one() -> None:
    result = real_result()
    every_stock_text(result, "")
    every_delivery_date(result, {"by": ""})
    assert texts(result) == ()
