from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from app.ingest.reading import Availability, QuarantineReason, Reading

WHEN = datetime(2025, 6, 23, 17, 56, 37, tzinfo=UTC)


def _make(**changes: Any) -> Reading:
    fields: dict[str, Any] = {
        "asin": "B0CYVN8CCQ",
        "marketplace": "com",
        "observed_at": WHEN,
        "price": Decimal("328.95"),
        "list_price": Decimal("399.99"),
        "currency": "USD",
        "availability": Availability.LOW_STOCK,
        "stock_text": "Only 7 left in stock - order soon.",
        "delivery_earliest": date(2025, 6, 25),
        "delivery_latest": date(2025, 6, 26),
        "title": "Yakima Highroad",
        "description": "A bike mount",
        "image_url": "https://m.media-amazon.com/a.jpg",
        "images": ("https://m.media-amazon.com/a.jpg", "https://m.media-amazon.com/b.jpg"),
        "seller": "Rack Attack",
        "is_amazon_fulfilled": False,
        "parse_status": 12000,
        "source_job_id": "7342973874281147393",
    }
    fields.update(changes)
    return Reading(**fields)


def test_contract_json() -> None:
    assert _make().to_json_dict() == {
        "asin": "B0CYVN8CCQ",
        "marketplace": "com",
        "observed_at": "2025-06-23T17:56:37+00:00",
        "price": "328.95",
        "list_price": "399.99",
        "shipping_price": None,
        "currency": "USD",
        "availability": "low_stock",
        "stock_text": "Only 7 left in stock - order soon.",
        "delivery_earliest": "2025-06-25",
        "delivery_latest": "2025-06-26",
        "title": "Yakima Highroad",
        "description": "A bike mount",
        "image_url": "https://m.media-amazon.com/a.jpg",
        "images": ["https://m.media-amazon.com/a.jpg", "https://m.media-amazon.com/b.jpg"],
        "seller": "Rack Attack",
        "is_amazon_fulfilled": False,
        "parse_status": 12000,
        "quarantined": False,
        "quarantine_reason": None,
        "source_job_id": "7342973874281147393",
    }


def test_json_round_trip() -> None:
    observation = _make()
    quarantined = Reading(
        asin="",
        marketplace="",
        observed_at=WHEN,
        quarantined=True,
        quarantine_reason=QuarantineReason.UNPARSEABLE,
    )

    assert Reading.from_json_dict(observation.to_json_dict()) == observation
    assert Reading.from_json_dict(quarantined.to_json_dict()) == quarantined


def test_aware_times_are_kept_in_utc() -> None:
    paris = timezone(timedelta(hours=2))

    observation = _make(observed_at=datetime(2025, 6, 23, 19, 56, 37, tzinfo=paris))

    assert observation.observed_at == WHEN
    assert observation.observed_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"asin": "b0cyvn8ccq"}, "asin"),
        ({"asin": ""}, "asin"),
        ({"marketplace": "moon"}, "marketplace"),
        ({"observed_at": datetime(2025, 6, 23)}, "timezone-aware"),  # noqa: DTZ001
        ({"observed_at": "2025-06-23"}, "datetime"),
        ({"price": Decimal("0")}, "above zero"),
        ({"price": Decimal("-1.00"), "list_price": None}, "above zero"),
        ({"price": Decimal("NaN")}, "finite"),
        ({"price": 328.95}, "Decimal"),
        ({"price": Decimal("328.955")}, "two decimal places"),
        ({"list_price": Decimal("328.95")}, "above the price"),
        ({"list_price": Decimal("300.00")}, "above the price"),
        ({"price": None}, "above the price"),
        ({"currency": "usd"}, "ISO 4217"),
        ({"currency": None}, "needs a currency"),
        ({"delivery_latest": None}, "go together"),
        ({"delivery_earliest": date(2025, 6, 27)}, "after"),
        ({"image_url": None}, "first image"),
        ({"image_url": "https://m.media-amazon.com/b.jpg"}, "first image"),
        ({"images": ["https://m.media-amazon.com/a.jpg"]}, "tuple"),
        ({"availability": "in_stock"}, "Availability"),
        ({"parse_status": True}, "parse_status"),
        ({"quarantine_reason": QuarantineReason.UNPARSEABLE}, "not quarantined"),
        ({"quarantined": True}, "carries no price|needs a reason"),
    ],
)
def test_invalid_observations_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _make(**changes)


def test_quarantined_observation_needs_a_reason_and_no_price() -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        _make(price=None, list_price=None, quarantined=True)
    with pytest.raises(ValueError, match="carries no price"):
        _make(list_price=None, quarantined=True, quarantine_reason=QuarantineReason.NOT_FOUND)
