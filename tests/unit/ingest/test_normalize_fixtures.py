"""Every real Oxylabs sample through normalisation, checked field by field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from app.ingest.normalize import normalize_document, normalize_result
from app.ingest.reading import Availability, QuarantineReason, Reading

from .samples import BATCH_SUBMIT, FAULTED_404, IN_STOCK, JOB_SUBMIT, PRICING, UNAVAILABLE, load

YAKIMA_TITLE = (
    "Yakima Highroad Rooftop Upright Bike Mount with TorqueRight Knob and Tray for Bicycle, "
    "Car, Sports and Outdoor Use, Black"
)
YAKIMA_DESCRIPTION = (
    "Yakima started with  hardcore kayaker cyclist founders, Steve Cole and Don Banducci. "
    "We are a group of wild souls who want to give everyone freedom to wonder.\n"
    "Heavy-duty vehicle gear racks, cargo storage, accessories, and more. For nearly four "
    "decades, our trusted solutions have transformed the way people travel.\n"
    "From skiing powder-covered peaks or kayaking on rushing whitewater to resting in secret "
    "camp spots or roaming the open road, our gear-mounting system and outdoor products can "
    "take you anywhere you want to take it easy."
)
YAKIMA_IMAGES = tuple(
    f"https://m.media-amazon.com/images/I/{name}._AC_SL1500_.jpg"
    for name in (
        "61SNYJvXtvL",
        "61hbaqyoG6L",
        "713nkV3rzBL",
        "61jYOLzu5DL",
        "611VW9naWxL",
        "71yWF+jC-mL",
        "81J83-ZhhAL",
        "81s9DUaMFPL",
        "810eKSoDaEL",
    )
)
JOBOX_DESCRIPTION = (
    "Crescent JOBOX is the leader in on-site storage security, organization, and safety with "
    "its high-strength, chamfered lid, commercial gas springs* for lid control and its "
    "Site-Vault\u2122 security system. 4-way EZ-Loader skid bolsters and slip-resistant "
    'textured powder paint help provide safety and handling ease (* On 48 and longer chests)"'
)
# The sample lists 71LjLd6fMXL twice; the observation keeps it once.
JOBOX_IMAGES = tuple(
    f"https://m.media-amazon.com/images/I/{name}._AC_SL1500_.jpg"
    for name in (
        "61aBCsKc6CL",
        "71ZKcGpihHL",
        "71SpvaqqVtL",
        "710Wtj95vFL",
        "61TdSGzI6zL",
        "716IyNJGt2L",
        "616Mn8OeRNL",
        "6181A4vJv4L",
        "612mgUyrRyL",
        "61e59bzI3VL",
        "61Rd3nKho4L",
        "61b9RSokuoL",
        "71J+pe2Z8AL",
        "71jlEWYRO1L",
        "71LjLd6fMXL",
        "6150cjjXv0L",
    )
)


def _only(document: object) -> Reading:
    observations = normalize_document(document)
    assert len(observations) == 1
    return observations[0]


def test_in_stock_third_party_offer() -> None:
    observation = _only(load(IN_STOCK))

    assert observation.asin == "B0CYVN8CCQ"
    assert observation.marketplace == "com"
    assert observation.observed_at == datetime(2025, 6, 23, 17, 56, 37, tzinfo=UTC)
    assert observation.price == Decimal("328.95")
    assert observation.list_price is None  # price_initial is the 0 sentinel
    assert observation.currency == "USD"
    assert observation.availability is Availability.LOW_STOCK
    assert observation.stock_text == "Only 7 left in stock - order soon."
    assert observation.delivery_earliest == date(2025, 6, 25)
    assert observation.delivery_latest == date(2025, 6, 25)
    assert observation.title == YAKIMA_TITLE
    assert observation.description == YAKIMA_DESCRIPTION
    assert observation.image_url == YAKIMA_IMAGES[0]
    assert observation.images == YAKIMA_IMAGES
    assert observation.seller == "Rack Attack"
    assert observation.is_amazon_fulfilled is False
    assert observation.parse_status == 12000
    assert observation.quarantined is False
    assert observation.quarantine_reason is None
    assert observation.source_job_id == "7342973874281147393"


def test_in_stock_contract_json() -> None:
    payload = _only(load(IN_STOCK)).to_json_dict()

    assert payload["price"] == "328.95"
    assert payload["list_price"] is None
    assert payload["observed_at"] == "2025-06-23T17:56:37+00:00"
    assert payload["delivery_earliest"] == "2025-06-25"
    assert payload["availability"] == "low_stock"
    assert payload["images"] == list(YAKIMA_IMAGES)
    assert payload["quarantine_reason"] is None


def test_unavailable_product_with_sentinel_prices() -> None:
    observation = _only(load(UNAVAILABLE))

    assert observation.asin == "B084Y7CHX5"
    assert observation.marketplace == "com"
    assert observation.observed_at == datetime(2025, 8, 15, 15, 44, 4, tzinfo=UTC)
    assert observation.price is None  # price 0 and price_buybox -1 mean "no price"
    assert observation.list_price is None
    assert observation.currency == "USD"
    assert observation.availability is Availability.UNAVAILABLE
    assert observation.stock_text == ""
    assert observation.delivery_earliest is None
    assert observation.delivery_latest is None
    assert observation.title == 'Crescent JOBOX 36" Site-Vault Heavy-Duty Chest - 2-652990'
    assert observation.description == JOBOX_DESCRIPTION
    assert observation.image_url == JOBOX_IMAGES[0]
    assert observation.images == JOBOX_IMAGES
    assert observation.seller is None  # featured_merchant is an empty list here
    assert observation.is_amazon_fulfilled is None
    assert observation.parse_status == 12000
    assert observation.quarantined is False
    assert observation.quarantine_reason is None
    assert observation.source_job_id == "7362147074835487745"


def test_faulted_404_job_is_quarantined_as_not_found() -> None:
    observation = _only(load(FAULTED_404))

    assert observation == Reading(
        asin="B0846G5N74",
        marketplace="com",
        observed_at=datetime(2025, 8, 15, 16, 9, 5, tzinfo=UTC),
        parse_status=12003,
        quarantined=True,
        quarantine_reason=QuarantineReason.NOT_FOUND,
        source_job_id="7362153370909442049",
    )


def test_pricing_source_is_not_read_as_a_product_page() -> None:
    observation = _only(load(PRICING))

    assert observation == Reading(
        asin="B0CYVN8CCQ",
        marketplace="com",
        observed_at=datetime(2025, 6, 23, 16, 21, 11, tzinfo=UTC),
        parse_status=12000,
        quarantined=True,
        quarantine_reason=QuarantineReason.UNSUPPORTED_PAGE,
        source_job_id="7342949858342353921",
    )


def test_pricing_result_alone_is_still_refused() -> None:
    result = load(PRICING)["results"][0]

    observation = normalize_result(result, asked_asin="B0CYVN8CCQ", marketplace="com")

    assert observation.quarantine_reason is QuarantineReason.UNSUPPORTED_PAGE
    assert observation.price is None


def test_result_without_its_job_reads_the_same() -> None:
    result = load(IN_STOCK)["results"][0]

    alone = normalize_result(result, asked_asin="b0cyvn8ccq", marketplace="amazon.com")

    assert alone == _only(load(IN_STOCK))


def test_404_result_without_its_job_is_not_found() -> None:
    result = load(FAULTED_404)["results"][0]

    observation = normalize_result(result, asked_asin="B0846G5N74", marketplace="com")

    assert observation.quarantine_reason is QuarantineReason.NOT_FOUND


def test_job_submission_answers_hold_no_result() -> None:
    for name in (JOB_SUBMIT, BATCH_SUBMIT):
        observation = _only(load(name))

        assert observation.quarantined is True
        assert observation.quarantine_reason is QuarantineReason.UNPARSEABLE
        assert observation.price is None
