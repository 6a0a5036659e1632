"""The data-truth issue's instances, each with its right value (the kinds are covered by the
corpus and property tests; these keep the reported inputs themselves)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.ingest.asin import parse_listing
from app.ingest.normalize import normalize_document
from app.ingest.normalize_delivery import parse_window
from app.ingest.normalize_money import parse_money_text
from app.ingest.reading import Availability, QuarantineReason, Reading

from .data_truth import (
    BR_EM_ESTOQUE,
    BR_NAO_DISPONIVEL,
    JP_YEN,
    NL_TIJDELIJK,
    PRICE_RANGE,
    UK_PARTIAL_PARSE,
    case,
)


def only(name: str) -> Reading:
    (observation,) = normalize_document(case(name))
    return observation


def test_1_a_dutch_not_in_stock_sentence_is_out_of_stock() -> None:
    observation = only(NL_TIJDELIJK)
    assert observation.availability is Availability.OUT_OF_STOCK
    assert observation.stock_text == "Tijdelijk niet op voorraad."


def test_2_brazilian_in_stock_and_new_offer() -> None:
    observation = only(BR_EM_ESTOQUE)
    assert observation.availability is Availability.IN_STOCK
    assert (observation.price, observation.currency) == (Decimal("4499.00"), "BRL")
    document = case(BR_EM_ESTOQUE)
    content = document["results"][0]["content"]
    content["price_buybox"], content["price"] = -1, 0  # only the "Novo" row gives the price
    (from_row,) = normalize_document(document)
    assert from_row.price == Decimal("4499.00")


def test_2_brazilian_not_available_is_unavailable() -> None:
    observation = only(BR_NAO_DISPONIVEL)
    assert observation.availability is Availability.UNAVAILABLE
    assert observation.price is None
    assert not observation.quarantined


def test_3_portuguese_delivery_across_new_year() -> None:
    window = parse_window("terça-feira, 5 de janeiro", date(2026, 12, 28))
    assert window == (date(2027, 1, 5), date(2027, 1, 5))


def test_4_a_price_range_without_a_buy_box_offer_is_quarantined() -> None:
    observation = only(PRICE_RANGE)
    assert observation.quarantined
    assert observation.quarantine_reason is QuarantineReason.PRICE_RANGE
    assert observation.price is None


def test_4_a_buy_box_offer_gives_the_selected_variations_price() -> None:
    document = case(PRICE_RANGE)
    document["results"][0]["content"]["price_buybox"] = 429.5
    (observation,) = normalize_document(document)
    assert not observation.quarantined
    assert observation.price == Decimal("429.50")


def test_5_a_yen_listing_is_read_in_whole_yen() -> None:
    observation = only(JP_YEN)
    assert (observation.price, observation.currency) == (Decimal(1100), "JPY")
    assert observation.availability is Availability.IN_STOCK


def test_6_money_text() -> None:
    assert parse_money_text(",89 €") == Decimal("0.89")
    assert parse_money_text("161 49") == Decimal("161.49")
    assert parse_money_text("279 00 €") == Decimal("279.00")
    assert parse_money_text("1 299,99 €") == Decimal("1299.99")


def test_7_pasted_asin_and_sponsored_link() -> None:
    assert parse_listing("\u200eB097CMQVF4", "com").asin == "B097CMQVF4"
    sponsored = (
        "https://www.amazon.de/sspa/click?ie=UTF8&spc=MToxMjM0NTY3ODk6MTcwMDAwMDAwMDpzcF9hdGY"
        "&url=%2FYakima-Highroad-Upright-Bike-Mount%2Fdp%2FB073Z7FBWC%2Fref%3Dsr_1_1_sspa"
        "%3Fkeywords%3Dyakima%26psc%3D1"
    )
    listing = parse_listing(sponsored)
    assert (listing.asin, listing.marketplace) == ("B073Z7FBWC", "de")


def test_9_a_partial_parse_is_not_unavailability() -> None:
    observation = only(UK_PARTIAL_PARSE)
    assert observation.availability is Availability.UNKNOWN
    assert observation.price is None
    assert observation.parse_status == 12005
    assert not observation.quarantined


def test_10_mojibake_in_the_title_is_repaired() -> None:
    observation = only(UK_PARTIAL_PARSE)
    assert observation.title == (
        "Samsung AU7100 50 Inch (2021) \u2013 Crystal 4K Smart TV With HDR10+ Image Quality"
    )
