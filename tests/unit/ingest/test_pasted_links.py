"""Issue 13, kind 7: every product URL shape on every marketplace, percent-encoded or not,
and invisible characters stripped from whatever a merchant pastes."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.ingest.asin import MARKETPLACES, ListingError, parse_listing
from app.ingest.link import LinkRequest
from app.ingest.text_repair import INVISIBLE_EXAMPLES

ASIN = "B073Z7FBWC"
SHAPES = [
    "/dp/{asin}",
    "/dp/{asin}/",
    "/dp/{asin}?th=1&psc=1",
    "/Yakima-Highroad-Upright-Bike-Mount/dp/{asin}/ref=sr_1_1?keywords=yakima",
    "/-/en/Yakima-Highroad/dp/{asin}",
    "/dp/product/{asin}",
    "/gp/product/{asin}/ref=ox_sc_act_title_1?smid=A1",
    "/gp/product/glance/{asin}",
    "/gp/aw/d/{asin}",
    "/gp/offer-listing/{asin}/ref=dp_olp_NEW_mbc",
    "/gp/aw/ol/{asin}",
    "/product-reviews/{asin}/ref=cm_cr_dp_d_show_all_btm",
    "/exec/obidos/ASIN/{asin}/",
    "/exec/obidos/tg/detail/-/{asin}",
    "/o/ASIN/{asin}",
    "/sspa/click?ie=UTF8&spc=MTo0NTY&url=%2FYakima%2Fdp%2F{asin}%2Fref%3Dsr_1_1_sspa%3Fpsc%3D1",
    "/gp/slredirect/picassoRedirect.html/ref=pa_sp_atf?ie=UTF8&url=%2Fdp%2F{asin}%2F",
    "/sspa/click?url=" + quote(quote(f"/dp/{ASIN}/", safe=""), safe=""),  # encoded twice
]


@pytest.mark.parametrize("marketplace", sorted(MARKETPLACES))
@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_on_every_marketplace(marketplace: str, shape: str) -> None:
    path = shape.format(asin=ASIN)
    for prefix in ("https://www.", "http://", "", "https://m.", "https://smile."):
        listing = parse_listing(f"{prefix}amazon.{marketplace}{path}")
        assert (listing.asin, listing.marketplace) == (ASIN, marketplace)


@pytest.mark.parametrize("invisible", INVISIBLE_EXAMPLES)
def test_invisible_characters_are_stripped_from_pasted_text(invisible: str) -> None:
    assert parse_listing(f"{invisible}B097CMQVF4{invisible}", f"com{invisible}").asin == (
        "B097CMQVF4"
    )
    url = f"{invisible}https://www.amazon.de/dp/{ASIN}{invisible}"
    assert parse_listing(url).asin == ASIN
    request = LinkRequest.from_json(
        {
            "shopify_variant_gid": f"{invisible}gid://shopify/ProductVariant/44",
            "shopify_product_gid": f"gid://shopify/Product/7{invisible}",
            "url": url,
            "delivery_location": f"{invisible}90210",
        }
    )
    assert (request.variant_gid, request.product_gid) == (
        "gid://shopify/ProductVariant/44",
        "gid://shopify/Product/7",
    )
    assert request.delivery_location == "90210"


@pytest.mark.parametrize(
    "text",
    [
        "https://www.amazon.de/sspa/click?url=%2Fs%3Fk%3Dyakima",  # a search, not a product
        "https://www.amazon.de/gp/aod/ajax?asin=B073Z7FBWC",
        "https://www.evil.example/sspa/click?url=%2Fdp%2FB073Z7FBWC",
        "\u200b",
    ],
)
def test_what_is_not_a_product_page_is_still_refused(text: str) -> None:
    with pytest.raises(ListingError):
        parse_listing(text)
