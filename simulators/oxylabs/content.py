"""Parsed `amazon_product` content shaped exactly like Oxylabs' real answers.

The key sets, nesting and sentinels follow the recorded samples in tests/fixtures/oxylabs: an
available listing has the keys of the in-stock sample (buybox rows, featured_merchant object),
an unavailable one those of the unavailable sample (price 0, price_buybox -1, stock "",
featured_merchant []). Delivery dates carry no year, as on Amazon.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from simulators.oxylabs import phrases
from simulators.oxylabs.catalogue import Catalogue, Offer, Product, StockState

PARSE_OK = 12000
PARSE_NOT_FOUND = 12003

JSON = dict[str, Any]


def amazon_url(asin: str, domain: str, autoselect_variant: bool) -> str:
    query = "th=1&psc=1&language=en_US" if autoselect_variant else "language=en_US"
    return f"https://www.amazon.{domain}/dp/{asin}?{query}"


def format_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def stock_text(offer: Offer, domain: str = "com", asin: str = "") -> str:
    """The page's stock sentence in the marketplace's language, from the Amazon corpus."""
    return phrases.stock_sentence(domain, offer.state.value, offer.quantity, asin)


def product_content(
    catalogue: Catalogue,
    asin: str,
    domain: str,
    currency: str | None,
    autoselect_variant: bool,
    at: datetime,
) -> JSON:
    """The parsed page; the same for every moment of one price period and day (delivery
    dates are days from `at`), so it is computed once per catalogue and treated as frozen."""
    key = ("page", asin, domain, currency, autoselect_variant, catalogue.bucket(at), at.date())
    page: JSON = catalogue.pages.get(
        key, lambda: _page(catalogue, asin, domain, currency, autoselect_variant, at)
    )
    return page


def _page(
    catalogue: Catalogue,
    asin: str,
    domain: str,
    currency: str | None,
    autoselect_variant: bool,
    at: datetime,
) -> JSON:
    product = catalogue.product(asin)
    offer = catalogue.offer(asin, domain, currency, at)
    content = _common(
        catalogue, product, offer, amazon_url(asin, domain, autoselect_variant), domain
    )
    if offer.state is StockState.UNAVAILABLE:
        content.update(_unavailable_parts(product))
    else:
        content.update(_available_parts(catalogue, product, offer, domain, at))
    return content


def not_found_content() -> JSON:
    return {"parse_status_code": PARSE_NOT_FOUND}


def _num(amount: Decimal) -> int | float:
    # Oxylabs prints whole prices as integers (329) and others as floats (328.95).
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _delivery_by(domain: str, day: datetime) -> JSON:
    return {"date": {"by": phrases.delivery_day(domain, day.date())}, "type": "FREE delivery"}


def _delivery_range(domain: str, first: datetime, last: datetime) -> JSON:
    window = phrases.delivery_range(domain, first.date(), last.date())
    return {"date": {"by": window["by"], "from": window["from"]}, "type": "FREE delivery"}


def _common(catalogue: Catalogue, product: Product, offer: Offer, url: str, domain: str) -> JSON:
    unavailable = offer.state is StockState.UNAVAILABLE
    price = 0 if unavailable else _num(offer.price)
    neighbours = [f"B0{catalogue.product(product.asin + str(i)).seller_id[1:9]}" for i in range(3)]
    ad_prices = [
        _num((offer.price * Decimal(f"1.{i + 1}")).quantize(Decimal("0.01"))) for i in range(3)
    ]
    return {
        "ads": [
            {
                "pos": i + 1,
                "asin": neighbour,
                "type": "organic_also_viewed",
                "price": ad_prices[i],
                "title": f"{product.brand} related item {i + 1}",
                "images": [product.images[0].replace("_AC_SL1500_", "_AC_SS57_")],
                "rating": product.rating,
                "location": "carousel",
                "price_upper": ad_prices[i],
                "reviews_count": 40 + i,
                "is_prime_eligible": i % 2 == 0,
            }
            for i, neighbour in enumerate(neighbours)
        ],
        "url": url,
        "asin": product.asin,
        "page": 1,
        "brand": product.brand,
        "price": price,
        "stock": stock_text(offer, domain, product.asin),
        "title": product.title,
        "coupon": "",
        "images": list(product.images),
        "rating": product.rating,
        "reviews": [] if unavailable else _reviews(product),
        "category": [{"ladder": [{"url": "/b/ref=dp_bc_1?node=1", "name": "Sports & Outdoors"}]}],
        "currency": offer.currency,
        "delivery": [],
        "page_type": "Product",
        "price_sns": 0,
        "store_url": f"/stores/{product.brand.replace(' ', '+')}/page/{product.seller_id}",
        "variation": [],
        "has_videos": product.reviews_count % 2 == 0,
        "sales_rank": [
            {
                "rank": 1000 + product.reviews_count,
                "ladder": [{"url": "/gp/bestsellers/sporting-goods", "name": "Sports "}],
            }
        ],
        "asin_in_url": product.asin,
        "description": product.description,
        "parent_asin": product.asin,
        "price_upper": price,
        "pricing_str": "" if unavailable else f"New & Used (3) from {_num(offer.used_price)}",
        "pricing_url": f"{url.split('/dp/')[0]}/gp/offer-listing/{product.asin}?startIndex=0",
        "manufacturer": product.brand,
        "price_buybox": -1 if unavailable else _num(offer.price),
        "product_name": product.title,
        "bullet_points": product.bullet_points,
        "price_initial": _num(offer.list_price) if offer.list_price else 0,
        "pricing_count": 1,
        "reviews_count": product.reviews_count,
        "sns_discounts": [],
        "developer_info": [],
        "price_shipping": 0,
        "is_prime_eligible": product.is_amazon_fulfilled,
        "parse_status_code": PARSE_OK,
        "warranty_and_support": {
            "links": [{"url": "/gp/help/customer/display.html?nodeId=201819200", "title": "here"}],
            "description": "Amazon Return Policy: see here.",
        },
        "answered_questions_count": 0,
        "rating_stars_distribution": [
            {"rating": stars, "percentage": share}
            for stars, share in zip((5, 4, 3, 2, 1), (64, 20, 8, 5, 3), strict=True)
        ],
    }


def _reviews(product: Product) -> list[JSON]:
    return [
        {
            "id": f"R{product.seller_id[1:13]}{i}",
            "title": f"{5 - i}.0 out of 5 stars Does the job",
            "author": "Amazon Customer",
            "rating": 5 - i,
            "content": "Simulated review text.",
            "timestamp": "Reviewed in the United States January 30, 2025",
            "profile_id": f"AF{product.seller_id}{i}",
            "is_verified": True,
            "review_from": "Top reviews from the United States",
        }
        for i in range(2)
    ]


def _available_parts(
    catalogue: Catalogue, product: Product, offer: Offer, domain: str, at: datetime
) -> JSON:
    in_hand = offer.state is not StockState.OUT_OF_STOCK
    arrives = at + timedelta(days=offer.delivery_days)
    new_delivery = [_delivery_by(domain, arrives)] if in_hand else []
    used_delivery = [_delivery_range(domain, arrives, arrives + timedelta(days=1))]
    used_price = _num(offer.used_price)
    seller_link = f"/sp?seller={product.seller_id}&asin={product.asin}"
    neighbour = catalogue.product(product.asin[:-1] + "Z")
    return {
        "buybox": [
            {
                "price": _num(offer.price),
                "stock": stock_text(offer, domain, product.asin),
                "condition": phrases.condition(domain, "new"),
                "delivery_details": new_delivery * 2,
            },
            {"price": _num(offer.price), "delivery_details": new_delivery},
            {
                "price": used_price,
                "stock": phrases.stock_sentence(domain, "low_stock", 1, product.asin),
                "condition": phrases.condition(domain, "excluded"),
                "delivery_details": used_delivery * 2,
            },
            {"price": used_price, "delivery_details": used_delivery},
        ],
        "delivery": new_delivery,
        "buy_it_with": [
            {"asin": neighbour.asin, "price": _num(offer.used_price), "title": neighbour.title}
        ],
        "max_quantity": offer.quantity,
        "product_details": {
            "asin": product.asin,
            "brand": f"\u200e{product.brand}",
            "manufacturer": f"\u200e{product.brand}",
            "customer_reviews": f"{product.rating} out of 5 stars",
            "best_sellers_rank": f"#{1000 + product.reviews_count} in Sports & Outdoors",
            "item_model_number": f"\u200e{product.asin[-6:]}",
            "date_first_available": "March 22, 2024",
            "manufacturer_part_number": f"\u200e{product.asin[-7:]}",
        },
        "product_overview": [{"title": "Brand", "description": product.brand}],
        "featured_merchant": {
            "link": seller_link,
            "name": product.seller_name,
            "seller_id": product.seller_id,
            "shipped_from": "Amazon" if product.is_amazon_fulfilled else product.seller_name,
            "is_amazon_fulfilled": product.is_amazon_fulfilled,
        },
        "frequently_bought_together": [{"asin": product.asin}, {"asin": neighbour.asin}],
    }


_UNAVAILABLE_DETAIL_KEYS = (
    *("upc", "size", "color", "shape", "style", "usage", "pattern", "material", "item_weight"),
    *("part_number", "number_of_pieces", "batteries_required", "product_dimensions"),
    *("included_components", "warranty_description", "item_package_quantity"),
    *("number_of_compartments", "water_resistance_level"),
)


def _unavailable_parts(product: Product) -> JSON:
    details: JSON = {key: f"\u200e{product.asin[:4]}-{key}" for key in _UNAVAILABLE_DETAIL_KEYS}
    details.update(
        asin=product.asin,
        brand=f"\u200e{product.brand}",
        manufacturer=f"\u200e{product.brand}",
        customer_reviews=f"{product.rating} out of 5 stars",
        best_sellers_rank=f"#{1000 + product.reviews_count} in Tools & Home Improvement",
        item_model_number=f"\u200e{product.asin[-6:]}",
        date_first_available="February 18, 2020",
    )
    return {
        "product_details": details,
        "featured_merchant": [],
        "technical_details": [{"name": "Brand", "value": product.brand}],
        "product_dimensions": '\u200e35.91"L x 19.97"W x 27.44"H',
    }
