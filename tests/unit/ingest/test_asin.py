from __future__ import annotations

import pytest

from app.ingest.asin import (
    MARKETPLACES,
    Listing,
    ListingError,
    marketplace_of_url,
    normalize_asin,
    normalize_marketplace,
    parse_listing,
)


@pytest.mark.parametrize(
    ("url", "asin", "marketplace"),
    [
        ("https://www.amazon.com/dp/B0CYVN8CCQ", "B0CYVN8CCQ", "com"),
        ("https://www.amazon.com/dp/B0CYVN8CCQ?language=en_US", "B0CYVN8CCQ", "com"),
        ("https://www.amazon.com/dp/B0846G5N74?th=1&psc=1&language=en_US", "B0846G5N74", "com"),
        (
            "https://www.amazon.com/Yakima-Highroad-Rooftop-Upright-TorqueRight/dp/B0CYVN8CCQ/"
            "ref=sr_1_1?crid=2X&keywords=yakima&qid=1719&sr=8-1",
            "B0CYVN8CCQ",
            "com",
        ),
        ("http://amazon.com/dp/b0cyvn8ccq/", "B0CYVN8CCQ", "com"),
        ("amazon.com/dp/B0CYVN8CCQ", "B0CYVN8CCQ", "com"),
        ("www.amazon.co.uk/gp/product/B084Y7CHX5", "B084Y7CHX5", "co.uk"),
        (
            "https://www.amazon.co.uk/gp/product/B084Y7CHX5/ref=ox_sc_act_title_1",
            "B084Y7CHX5",
            "co.uk",
        ),
        ("https://m.amazon.de/gp/aw/d/B084Y7CHX5", "B084Y7CHX5", "de"),
        ("https://smile.amazon.com/dp/B084Y7CHX5", "B084Y7CHX5", "com"),
        ("https://www.amazon.fr/exec/obidos/ASIN/0596520689/ref=nosim", "0596520689", "fr"),
        ("https://www.amazon.it/exec/obidos/tg/detail/-/0596520689", "0596520689", "it"),
        ("https://www.amazon.es/o/ASIN/B084Y7CHX5", "B084Y7CHX5", "es"),
        ("https://www.amazon.es/o/B084Y7CHX5", "B084Y7CHX5", "es"),
        ("https://www.amazon.ca/dp/product/B084Y7CHX5", "B084Y7CHX5", "ca"),
        ("https://www.amazon.com.mx/dp/B084Y7CHX5", "B084Y7CHX5", "com.mx"),
        ("https://www.amazon.com.br/dp/B084Y7CHX5", "B084Y7CHX5", "com.br"),
        ("https://www.amazon.co.jp/dp/B084Y7CHX5", "B084Y7CHX5", "co.jp"),
        ("https://www.amazon.in/dp/B084Y7CHX5", "B084Y7CHX5", "in"),
        ("https://www.amazon.com.au/dp/B084Y7CHX5", "B084Y7CHX5", "com.au"),
        ("https://www.amazon.nl/dp/B084Y7CHX5", "B084Y7CHX5", "nl"),
        ("https://www.amazon.se/dp/B084Y7CHX5", "B084Y7CHX5", "se"),
        ("https://www.amazon.pl/dp/B084Y7CHX5", "B084Y7CHX5", "pl"),
        ("https://www.amazon.sg/dp/B084Y7CHX5", "B084Y7CHX5", "sg"),
        ("https://www.amazon.ae/dp/B084Y7CHX5", "B084Y7CHX5", "ae"),
        ("https://www.amazon.sa/dp/B084Y7CHX5", "B084Y7CHX5", "sa"),
        ("https://www.amazon.com.tr/dp/B084Y7CHX5", "B084Y7CHX5", "com.tr"),
        ("https://www.amazon.eg/dp/B084Y7CHX5", "B084Y7CHX5", "eg"),
        ("https://www.amazon.com.be/dp/B084Y7CHX5", "B084Y7CHX5", "com.be"),
        ("https://WWW.AMAZON.DE./dp/B084Y7CHX5#reviews", "B084Y7CHX5", "de"),
        ("  https://www.amazon.com/dp/B0CYVN8CCQ  ", "B0CYVN8CCQ", "com"),
    ],
)
def test_product_urls(url: str, asin: str, marketplace: str) -> None:
    assert parse_listing(url) == Listing(asin, marketplace)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://amzn.to/3xYz12A", "short link"),
        ("https://a.co/d/abc1234", "short link"),
        ("https://amazon.com.evil.io/dp/B0CYVN8CCQ", "not an Amazon store"),
        ("https://evil.io/amazon.com/dp/B0CYVN8CCQ", "not an Amazon store"),
        ("https://amazon.com@evil.io/dp/B0CYVN8CCQ", "not a plain Amazon product URL"),
        ("https://www.amazon.com:8443/dp/B0CYVN8CCQ", "not a plain Amazon product URL"),
        ("https://notamazon.com/dp/B0CYVN8CCQ", "not an Amazon store"),
        ("https://www.amazon.xx/dp/B0CYVN8CCQ", "not an Amazon store"),
        ("https://www.amazon.com/", "No product"),
        ("https://www.amazon.com/s?k=bike+rack", "No product"),
        ("https://www.amazon.com/dp/B0CYVN8CC", "No product"),
        ("https://www.amazon.com/dp/B0CYVN8CCQX", "No product"),
        ("https://www.amazon.com/gp/aod/ajax?asin=B0CYVN8CCQ", "No product"),
        ("ftp://www.amazon.com/dp/B0CYVN8CCQ", "not a web address"),
        ("javascript:alert(1)", "not"),
        ("https://www.amazon.com:99999/dp/B0CYVN8CCQ", "not a valid URL"),
        ("bike rack", "neither an ASIN nor"),
        ("", "Paste an Amazon product URL"),
        ("   ", "Paste an Amazon product URL"),
    ],
)
def test_bad_references_explain_themselves(url: str, message: str) -> None:
    with pytest.raises(ListingError, match=message):
        parse_listing(url)


def test_asin_with_marketplace() -> None:
    assert parse_listing(" b0cyvn8ccq ", "amazon.co.uk") == Listing("B0CYVN8CCQ", "co.uk")


def test_asin_needs_a_marketplace() -> None:
    with pytest.raises(ListingError, match="marketplace"):
        parse_listing("B0CYVN8CCQ")


def test_url_and_marketplace_must_agree() -> None:
    assert parse_listing("https://www.amazon.de/dp/B084Y7CHX5", "de").marketplace == "de"
    with pytest.raises(ListingError, match=r"amazon\.de, not amazon\.com"):
        parse_listing("https://www.amazon.de/dp/B084Y7CHX5", "com")


@pytest.mark.parametrize("bad", ["B0CYVN8CC", "B0CYVN8CCQQ", "B0CYVN8CC!", "", 123])
def test_bad_asins(bad: object) -> None:
    with pytest.raises(ListingError):
        normalize_asin(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "code"),
    [("com", "com"), (".co.uk", "co.uk"), ("amazon.de", "de"), ("www.amazon.co.jp", "co.jp")],
)
def test_marketplace_spellings(text: str, code: str) -> None:
    assert normalize_marketplace(text) == code


@pytest.mark.parametrize("bad", ["", "us", "amazon", "co", "com.evil", "amazon.com.evil.io"])
def test_unknown_marketplaces(bad: str) -> None:
    with pytest.raises(ListingError, match="not a supported Amazon marketplace"):
        normalize_marketplace(bad)


def test_listing_validates_and_links() -> None:
    listing = Listing("B0CYVN8CCQ", "co.uk")

    assert listing.currency == "GBP"
    assert listing.url == "https://www.amazon.co.uk/dp/B0CYVN8CCQ"
    with pytest.raises(ListingError, match="not an ASIN"):
        Listing("b0cyvn8ccq", "com")
    with pytest.raises(ListingError, match="not a supported"):
        Listing("B0CYVN8CCQ", "moon")


def test_marketplace_currencies() -> None:
    expected = {"com": "USD", "co.uk": "GBP", "de": "EUR", "ca": "CAD", "co.jp": "JPY"}

    assert {code: MARKETPLACES[code] for code in expected} == expected
    assert all(len(currency) == 3 and currency.isupper() for currency in MARKETPLACES.values())


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://www.amazon.com/gp/aod/ajax?asin=B0CYVN8CCQ", "com"),
        ("https://www.amazon.co.uk/anything", "co.uk"),
        ("https://amazon.com.evil.io/dp/B0CYVN8CCQ", None),
        ("not a url", None),
        ("http://[::1", None),
        (None, None),
        (5, None),
    ],
)
def test_marketplace_of_url(url: object, code: str | None) -> None:
    assert marketplace_of_url(url) == code
