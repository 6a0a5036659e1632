"""Normalisation rules, each shown on a variation of the real in-stock sample."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.ingest.asin import ListingError
from app.ingest.normalize import iter_results, normalize_document, normalize_result
from app.ingest.reading import Availability, QuarantineReason, Reading

from .samples import IN_STOCK, UNAVAILABLE, load

ASIN = "B0CYVN8CCQ"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = load(IN_STOCK)
    return document


def _content(document: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = document["results"][0]["content"]
    return content


def _read(document: dict[str, Any], asin: str = ASIN, marketplace: str = "com") -> Reading:
    return normalize_result(
        document["results"][0], asked_asin=asin, marketplace=marketplace, job=document["job"]
    )


def test_buy_new_row_wins_over_buybox_and_page_price() -> None:
    document = _document()
    content = _content(document)
    content["buybox"][0]["price"] = 310.5
    content["price_buybox"] = 320
    content["price"] = 330

    assert _read(document).price == Decimal("310.50")


def test_one_time_purchase_row_wins_over_subscribe_and_save() -> None:
    document = _document()
    content = _content(document)
    content["buybox"] = [
        {"price": 18.04, "condition": "Subscribe & Save: "},
        {"price": 18.99, "condition": "One-time purchase: "},
    ]
    content["price_buybox"] = 18.04

    assert _read(document).price == Decimal("18.99")


def test_buybox_price_when_no_row_is_new() -> None:
    document = _document()
    content = _content(document)
    content["buybox"] = []
    content["price_buybox"] = "$321.00"

    assert _read(document).price == Decimal("321.00")


def test_used_price_is_never_taken() -> None:
    document = _document()
    content = _content(document)
    content["buybox"] = [{"price": 296.06, "condition": " Save with Used - Like New "}]
    content["price_buybox"] = 296.06
    content["price"] = 296.06

    observation = _read(document)

    assert observation.price is None
    assert observation.quarantine_reason is QuarantineReason.NO_PRICE_WHILE_AVAILABLE


def test_page_price_when_buybox_is_a_sentinel() -> None:
    document = _document()
    content = _content(document)
    content["buybox"] = []
    content["price_buybox"] = -1

    assert _read(document).price == Decimal("328.95")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"price_strikethrough": 399.99}, Decimal("399.99")),
        ({"price_initial": 349}, Decimal("349.00")),
        ({"price_initial": 328.95}, None),  # not above the selling price
        ({"price_initial": 299}, None),
        ({"price_initial": 0}, None),
        ({"price_strikethrough": "List: $400.00"}, Decimal("400.00")),
    ],
)
def test_list_price_counts_only_above_the_price(
    fields: dict[str, object], expected: Decimal | None
) -> None:
    document = _document()
    _content(document).update(fields)

    assert _read(document).list_price == expected


def test_list_price_from_the_new_offer_row() -> None:
    document = _document()
    _content(document)["buybox"][0]["price_strikethrough"] = 379.95

    assert _read(document).list_price == Decimal("379.95")


def test_returned_asin_must_be_the_asked_one() -> None:
    observation = _read(_document(), asin="B084Y7CHX5")

    assert observation.quarantined is True
    assert observation.quarantine_reason is QuarantineReason.ASIN_MISMATCH
    assert observation.asin == "B084Y7CHX5"
    assert observation.title is None  # the page shows another product


def test_result_from_another_marketplace_is_refused() -> None:
    observation = _read(_document(), marketplace="co.uk")

    assert observation.quarantine_reason is QuarantineReason.MARKETPLACE_MISMATCH


def test_faulted_job_without_404_is_job_faulted() -> None:
    document = _document()
    document["job"]["status"] = "faulted"

    assert _read(document).quarantine_reason is QuarantineReason.JOB_FAULTED


@pytest.mark.parametrize("status_code", [500, 403, 612])
def test_failed_scrape_is_job_faulted(status_code: int) -> None:
    document = _document()
    document["results"][0]["status_code"] = status_code

    assert _read(document).quarantine_reason is QuarantineReason.JOB_FAULTED


@pytest.mark.parametrize(
    ("parse_status", "reason"),
    [
        (12004, None),
        (12005, None),
        (12002, QuarantineReason.UNPARSEABLE),
        (12003, QuarantineReason.UNPARSEABLE),
        (12006, QuarantineReason.UNPARSEABLE),
        (12008, QuarantineReason.UNPARSEABLE),
        (12009, QuarantineReason.NOT_FOUND),
        (None, QuarantineReason.UNPARSEABLE),
        ("12000", QuarantineReason.UNPARSEABLE),
    ],
)
def test_parse_status_codes(parse_status: object, reason: QuarantineReason | None) -> None:
    document = _document()
    _content(document)["parse_status_code"] = parse_status

    observation = _read(document)

    assert observation.quarantine_reason is reason
    assert (observation.price is None) is (reason is not None)


def test_no_price_while_in_stock_is_quarantined_but_described() -> None:
    document = _document()
    content = _content(document)
    content.update({"buybox": [], "price_buybox": -1, "price": 0, "stock": "In Stock"})

    observation = _read(document)

    assert observation.quarantined is True
    assert observation.quarantine_reason is QuarantineReason.NO_PRICE_WHILE_AVAILABLE
    assert observation.availability is Availability.IN_STOCK
    assert observation.title is not None


def test_out_of_stock_without_price_is_a_plain_observation() -> None:
    document = _document()
    content = _content(document)
    content.update({"buybox": [], "price_buybox": -1, "price": 0})
    content["stock"] = "Temporarily out of stock."

    observation = _read(document)

    assert observation.quarantined is False
    assert observation.availability is Availability.OUT_OF_STOCK
    assert observation.stock_text == "Temporarily out of stock."


def test_empty_stock_with_a_price_stays_unknown() -> None:
    document = _document()
    content = _content(document)
    content["stock"] = ""
    content["buybox"][0]["stock"] = ""

    observation = _read(document)

    assert observation.availability is Availability.UNKNOWN
    assert observation.price == Decimal("328.95")


def test_stock_falls_back_to_the_new_offer_row() -> None:
    document = _document()
    _content(document)["stock"] = ""

    assert _read(document).stock_text == "Only 7 left in stock - order soon."


def test_fastest_delivery_is_not_the_promise() -> None:
    document = _document()
    _content(document)["buybox"][0]["delivery_details"] = [
        {"date": {"by": "Tomorrow, June 24"}, "type": "fastest delivery"},
        {"date": {"from": "June 27", "by": "July 1"}, "type": "FREE delivery"},
    ]

    observation = _read(document)

    assert (observation.delivery_earliest, observation.delivery_latest) == (
        date(2025, 6, 27),
        date(2025, 7, 1),
    )


def test_delivery_across_new_year() -> None:
    document = _document()
    document["results"][0]["created_at"] = "2025-12-30 09:00:00"
    _content(document)["buybox"][0]["delivery_details"] = [
        {"date": {"from": "December 31", "by": "3"}, "type": "FREE delivery"}
    ]

    observation = _read(document)

    assert observation.delivery_earliest == date(2025, 12, 31)
    assert observation.delivery_latest == date(2026, 1, 3)


def test_unreadable_delivery_is_left_out() -> None:
    document = _document()
    content = _content(document)
    content["buybox"][0]["delivery_details"] = [{"date": {"by": "whenever"}}]
    content["delivery"] = "soon-ish"

    observation = _read(document)

    assert observation.delivery_earliest is None
    assert observation.price == Decimal("328.95")


@pytest.mark.parametrize(
    ("merchant", "seller", "fulfilled"),
    [
        ({"name": "Amazon.com", "is_amazon_fulfilled": True}, "Amazon.com", True),
        ({"name": "Rack Attack", "shipped_from": "Amazon"}, "Rack Attack", True),
        ({"name": "Rack Attack", "shipped_from": "Rack Attack"}, "Rack Attack", False),
        ({"name": "Amazon.co.uk"}, "Amazon.co.uk", True),
        ({"name": "Somebody"}, "Somebody", None),
        ([], None, None),
        ("Amazon", None, None),
    ],
)
def test_seller_and_fulfilment(
    merchant: object, seller: str | None, fulfilled: bool | None
) -> None:
    document = _document()
    _content(document)["featured_merchant"] = merchant

    observation = _read(document)

    assert (observation.seller, observation.is_amazon_fulfilled) == (seller, fulfilled)


def test_description_falls_back_to_bullet_points() -> None:
    document = _document()
    content = _content(document)
    content["description"] = ""
    content["bullet_points"] = "First point\nSecond point"

    assert _read(document).description == "First point\nSecond point"


def test_images_skip_placeholders_and_repeats() -> None:
    document = _document()
    _content(document)["images"] = [
        "data:image/svg+xml,%3Csvg%3E",
        "https://m.media-amazon.com/a.jpg",
        "https://m.media-amazon.com/a.jpg",
        42,
        "https://m.media-amazon.com/b.jpg",
    ]

    observation = _read(document)

    assert observation.images == (
        "https://m.media-amazon.com/a.jpg",
        "https://m.media-amazon.com/b.jpg",
    )
    assert observation.image_url == "https://m.media-amazon.com/a.jpg"


def test_currency_from_the_job_when_the_page_omits_it() -> None:
    document = _document()
    del _content(document)["currency"]
    document["job"]["context"] = [{"key": "currency", "value": "EUR"}]

    assert _read(document).currency == "EUR"


def test_currency_defaults_to_the_marketplace() -> None:
    document = _document()
    _content(document)["currency"] = "$"

    assert _read(document).currency == "USD"


def test_missing_time_uses_the_receipt_time() -> None:
    document = _document()
    result = document["results"][0]
    result["created_at"] = result["updated_at"] = None
    received = datetime(2025, 6, 23, 18, 0, tzinfo=UTC)

    observation = normalize_result(result, asked_asin=ASIN, marketplace="com", received_at=received)

    assert observation.observed_at == received
    assert observation.quarantined is False


def test_missing_time_without_receipt_time_is_unparseable() -> None:
    result = _document()["results"][0]
    result["created_at"] = "yesterday-ish"
    del result["updated_at"]

    observation = normalize_result(result, asked_asin=ASIN, marketplace="com")

    assert observation.quarantine_reason is QuarantineReason.UNPARSEABLE


def test_iso_times_with_offsets_become_utc() -> None:
    result = _document()["results"][0]
    result["created_at"] = "2025-06-23T19:56:37+02:00"

    observation = normalize_result(result, asked_asin=ASIN, marketplace="com")

    assert observation.observed_at == datetime(2025, 6, 23, 17, 56, 37, tzinfo=UTC)


def test_caller_mistakes_raise() -> None:
    result = _document()["results"][0]
    with pytest.raises(ListingError):
        normalize_result(result, asked_asin="nope", marketplace="com")
    with pytest.raises(ListingError):
        normalize_result(result, asked_asin=ASIN, marketplace="mars")


@pytest.mark.parametrize(
    ("document", "count"),
    [
        ({"results": [{"content": {}}, {"content": {}}]}, 2),
        ({"results": []}, 0),
        ({"results": [1, "x", None]}, 3),
        ({"content": {"parse_status_code": 12000}}, 1),
        ({"parse_status_code": 12000, "asin": ASIN}, 1),
        ([{"content": {}}, {"content": {}}], 2),
        ({"queries": []}, 1),
        ("not json at all", 1),
        (None, 1),
    ],
)
def test_iter_results_shapes(document: object, count: int) -> None:
    results = list(iter_results(document))

    assert len(results) == count
    assert all(isinstance(result, dict) for result in results)


def test_bare_content_is_read_as_a_result() -> None:
    content = _content(_document())

    observations = normalize_document(content, received_at=datetime(2025, 6, 23, tzinfo=UTC))

    assert [o.price for o in observations] == [Decimal("328.95")]
    assert observations[0].asin == ASIN
    assert observations[0].marketplace == "com"


def test_document_uses_the_job_query_to_catch_a_wrong_product() -> None:
    document = _document()
    document["job"]["query"] = "B084Y7CHX5"

    (observation,) = normalize_document(document)

    assert observation.quarantine_reason is QuarantineReason.ASIN_MISMATCH
    assert observation.asin == "B084Y7CHX5"


def test_document_with_explicit_listing() -> None:
    (observation,) = normalize_document(load(UNAVAILABLE), "b084y7chx5", "com")

    assert observation.asin == "B084Y7CHX5"
    assert observation.availability is Availability.UNAVAILABLE


def test_document_with_nothing_to_identify_the_listing() -> None:
    (observation,) = normalize_document({"results": [{"content": {"parse_status_code": 12000}}]})

    assert observation.asin == ""
    assert observation.marketplace == ""
    assert observation.quarantine_reason is QuarantineReason.UNPARSEABLE
