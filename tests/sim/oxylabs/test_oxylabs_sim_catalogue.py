"""The simulated catalogue: deterministic, moving over time, shaped like the real samples."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from simulators.oxylabs.catalogue import Catalogue, StockState
from simulators.oxylabs.content import product_content
from simulators.oxylabs.phrases import CORPUS
from tests.sim.oxylabs.shapes import mismatches
from tests.sim.oxylabs.support import START, real_fixture

ASINS = [f"B0{n:08d}" for n in range(40)]
HOUR = timedelta(hours=1)


def _content(catalogue: Catalogue, asin: str, hours: int, domain: str = "com") -> dict[str, Any]:
    return product_content(catalogue, asin, domain, None, True, START + hours * HOUR)


def test_same_clock_same_answer() -> None:
    first, second = Catalogue(seed=3), Catalogue(seed=3)
    for asin in ASINS[:5]:
        assert _content(first, asin, 10) == _content(second, asin, 10)


def test_another_seed_is_another_catalogue() -> None:
    prices = [Catalogue(seed).offer("B0CYVN8CCQ", "com", None, START).price for seed in range(5)]
    assert len(set(prices)) == 5


def test_prices_move_by_at_most_eight_percent_around_their_level() -> None:
    catalogue = Catalogue(seed=1)
    for asin in ASINS[:10]:
        base = catalogue.product(asin).base_price_usd
        prices = [catalogue.offer(asin, "com", None, START + h * HOUR).price for h in range(48)]
        assert len(set(prices)) > 1, f"{asin} never moved in 48 periods"
        # Each level is base * (1 + marketplace skew <= 1% + move <= 8%).
        assert all(abs(p / base - 1) <= Decimal("0.0901") for p in prices)


def test_price_holds_within_a_period() -> None:
    catalogue = Catalogue(seed=1, price_period_seconds=3600)
    start_of_period = START.replace(minute=0, second=0)
    prices = {
        catalogue.offer("B0CYVN8CCQ", "com", None, start_of_period + timedelta(minutes=m)).price
        for m in range(0, 60, 7)
    }
    assert len(prices) == 1


def test_every_stock_state_shows_up_over_time() -> None:
    catalogue = Catalogue(seed=1)
    seen = {
        catalogue.offer(asin, "com", None, START + h * HOUR).state
        for asin in ASINS
        for h in range(0, 200, 5)
    }
    assert seen == set(StockState)


@pytest.mark.parametrize(("domain", "currency"), [("com", "USD"), ("co.uk", "GBP"), ("de", "EUR")])
def test_currency_follows_the_marketplace(domain: str, currency: str) -> None:
    assert _content(Catalogue(seed=1), "B0CYVN8CCQ", 0, domain)["currency"] == currency


def test_requested_currency_converts_the_price() -> None:
    catalogue = Catalogue(seed=1)
    usd = catalogue.offer("B0CYVN8CCQ", "com", "USD", START).price
    jpy = catalogue.offer("B0CYVN8CCQ", "com", "JPY", START).price
    assert jpy == jpy.to_integral_value()
    assert abs(jpy / usd - 157) < 1


def test_dead_and_malformed_asins() -> None:
    catalogue = Catalogue(seed=1, dead_asins=frozenset({"B0846G5N74"}))
    assert catalogue.is_dead("B0846G5N74")
    assert catalogue.is_dead("not-an-asin")
    assert not catalogue.is_dead("B0CYVN8CCQ")


def _samples(state: StockState) -> list[dict[str, Any]]:
    catalogue = Catalogue(seed=1)
    found = []
    for asin in ASINS:
        for hours in range(0, 200, 3):
            offer = catalogue.offer(asin, "com", None, START + hours * HOUR)
            if offer.state is state:
                found.append(_content(catalogue, asin, hours))
                break
    assert found, f"no {state} listing in the sample"
    return found


@pytest.mark.parametrize(
    "state",
    [StockState.IN_STOCK, StockState.LOW_STOCK, StockState.DELAYED, StockState.OUT_OF_STOCK],
)
def test_available_listings_have_the_keys_of_the_real_in_stock_sample(state: StockState) -> None:
    real = real_fixture("real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json")
    for content in _samples(state):
        assert mismatches(content, real["results"][0]["content"]) == []


def test_unavailable_listings_have_the_keys_and_sentinels_of_the_real_sample() -> None:
    real = real_fixture("real_amazon_product_unavailable_no_buybox_B084Y7CHX5.json")
    for content in _samples(StockState.UNAVAILABLE):
        assert mismatches(content, real["results"][0]["content"]) == []
        assert (content["price"], content["price_buybox"], content["stock"]) == (0, -1, "")
        assert content["parse_status_code"] == 12000


def _corpus_stock(language: str) -> dict[str, set[str]]:
    path = CORPUS / f"{language}.json"
    by_meaning: dict[str, set[str]] = {}
    for entry in json.loads(path.read_text(encoding="utf-8"))["stock"]:
        text = re.sub(r"\d+", "N", entry["text"], count=1)
        by_meaning.setdefault(entry["availability"], set()).add(text)
    return by_meaning


def test_stock_texts_are_amazons_from_the_corpus() -> None:
    corpus = _corpus_stock("en")
    for state in StockState:
        for content in _samples(state):
            text = re.sub(r"\d+", "N", content["stock"], count=1)
            if state is StockState.UNAVAILABLE:
                assert text == ""
            else:
                assert text in corpus[state.value], (state, text)


@pytest.mark.parametrize(
    ("domain", "language"), [("com.br", "pt"), ("co.jp", "ja"), ("de", "de"), ("ae", "ar")]
)
def test_each_marketplace_speaks_its_language(domain: str, language: str) -> None:
    catalogue = Catalogue(seed=1)
    corpus = _corpus_stock(language)
    shown = set()
    for asin in ASINS:
        for hours in range(0, 200, 3):
            at = START + hours * HOUR
            offer = catalogue.offer(asin, domain, None, at)
            content = product_content(catalogue, asin, domain, None, False, at)
            if offer.state is not StockState.UNAVAILABLE:
                text = re.sub(r"\d+", "N", content["stock"], count=1)
                assert text in corpus[offer.state.value], (domain, offer.state, text)
                shown.add(offer.state)
    assert StockState.IN_STOCK in shown


def test_english_delivery_dates_come_without_a_year() -> None:
    for content in _samples(StockState.IN_STOCK):
        by = content["delivery"][0]["date"]["by"]
        assert re.fullmatch(r"[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}", by), by
        used = content["buybox"][2]["delivery_details"][0]["date"]
        assert re.fullmatch(r"[A-Z][a-z]+ \d{1,2}", used["from"])
        assert re.fullmatch(r"(\d{1,2}|[A-Z][a-z]+ \d{1,2})", used["by"])


def test_shape_check_can_fail() -> None:
    real = real_fixture("real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json")
    content = dict(_samples(StockState.IN_STOCK)[0])
    del content["buybox"]
    content["featured_merchant"] = {"name": "x"}
    problems = mismatches(content, real["results"][0]["content"])
    assert any("missing ['buybox']" in p for p in problems)
    assert any("featured_merchant: missing" in p for p in problems)


def _prices(value: Any, key: str = "") -> list[float]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _prices(v, k)]
    if isinstance(value, list):
        return [p for item in value for p in _prices(item, key)]
    return [value] if key.startswith("price") and isinstance(value, int | float) else []


def test_every_price_has_at_most_two_decimals() -> None:
    for content in _samples(StockState.IN_STOCK):
        prices = _prices(content)
        assert prices
        assert all(round(p, 2) == p for p in prices), prices
